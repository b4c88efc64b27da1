import { AppError } from '../core/errors.js'
import { timeParam } from '../core/time.js'
import { startAttribution, ATTRIBUTION_MODELS, type AttributionModel, type AttributionReport } from './attribute.js'
import { cutJourneys, type JourneyRow } from './journeys-from-events.js'
import { spendInPeriod, type SpendRow } from './spend.js'
import type { ChannelRules } from './channel.js'

/** The store's journey part as attribution reads it, declared here so that journey/ stays free of the store. */
export interface JourneySource {
  /** Events ordered by profile and time, in pages. */
  eventPages(opts: { from?: string; to?: string }): AsyncIterable<JourneyRow[]>
  spend(): Promise<SpendRow[]>
}

export interface AttributionOptions {
  /** A model name or 'all'. */
  model: string
  from?: string
  to?: string
  conversion?: string
  lookbackDays?: number
  markovOrder?: number
  rules?: ChannelRules
  /** Called after each page with the events read so far. */
  onProgress?: (eventsRead: number) => void
}

/** Builds the journeys of [from, to) from the store's pages and runs the chosen models over them. */
export async function runAttribution(source: JourneySource, opts: AttributionOptions): Promise<AttributionReport & { withoutTouchpoints: number }> {
  const { all } = await runAttributionByMonth(source, { ...opts, byMonth: false })
  return all
}

/**
 * The same, and with `byMonth` also one report per calendar month (UTC) of the journeys that end in
 * it — a conversion with its touchpoints of the lookback before it, or an open journey by its last
 * touchpoint — all from one read of the store: what the periodic refresh keeps per period.
 */
export async function runAttributionByMonth(
  source: JourneySource,
  opts: AttributionOptions & { byMonth: boolean },
): Promise<{ all: AttributionReport & { withoutTouchpoints: number }; months: Record<string, AttributionReport> }> {
  const models: readonly AttributionModel[] =
    opts.model === 'all' ? ATTRIBUTION_MODELS : ATTRIBUTION_MODELS.includes(opts.model as AttributionModel) ? [opts.model as AttributionModel] : []
  if (models.length === 0) throw new AppError('REQUEST_INVALID', `model must be all or one of ${ATTRIBUTION_MODELS.join(', ')}, got "${opts.model}"`)
  const order = opts.markovOrder ?? 1
  if (![1, 2, 3].includes(order)) throw new AppError('REQUEST_INVALID', `markovOrder must be 1, 2 or 3, got ${order}`)
  const period = { ...(opts.from ? { from: timeParam('from', opts.from) } : {}), ...(opts.to ? { to: timeParam('to', opts.to) } : {}) }
  const spendRows = await source.spend()
  const spendOf = (from?: string, to?: string) => (spendRows.length > 0 ? spendInPeriod(spendRows, from, to) : undefined)
  const start = (spend: ReturnType<typeof spendOf>) => startAttribution({ models, markovOrder: order, byCampaign: true, ...(spend ? { spend } : {}) })
  const all = start(spendOf(opts.from && new Date(opts.from).toISOString(), opts.to && new Date(opts.to).toISOString()))
  const months = new Map<string, ReturnType<typeof start>>()
  // Journeys are cut per profile as the pages arrive and folded into the models' paths at once:
  // memory follows the distinct paths, not the events (issue 15).
  const cutter = cutJourneys(
    {
      ...(opts.conversion ? { conversionEvent: opts.conversion } : {}),
      ...(opts.rules ? { rules: opts.rules } : {}),
      lookbackDays: opts.lookbackDays ?? 30,
    },
    (journey) => {
      all.add(journey)
      if (!opts.byMonth) return
      const month = new Date(journey.endsAt).toISOString().slice(0, 7)
      let m = months.get(month)
      if (!m) months.set(month, (m = start(spendOf(`${month}-01T00:00:00.000Z`, nextMonth(month)))))
      m.add(journey)
    },
  )
  let read = 0
  for await (const page of source.eventPages(period)) {
    for (const row of page) cutter.add(row)
    read += page.length
    opts.onProgress?.(read)
  }
  const withoutTouchpoints = cutter.end()
  const report = all.report()
  if (withoutTouchpoints > 0) report.notes.push(`${withoutTouchpoints} conversions had no touchpoint in the lookback window; they are counted here and credited to no channel`)
  return { all: { ...report, withoutTouchpoints }, months: Object.fromEntries([...months].sort().map(([month, m]) => [month, m.report()])) }
}

/** The first instant of the month after `YYYY-MM`, as ISO-8601. */
function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(y, m, 1)).toISOString()
}
