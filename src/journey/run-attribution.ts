import { AppError } from '../core/errors.js'
import { timeParam } from '../core/time.js'
import { startAttribution, ATTRIBUTION_MODELS, type AttributionModel, type AttributionReport } from './attribute.js'
import { cutJourneys, type JourneyRow } from './journeys-from-events.js'
import { spendInPeriod, type SpendRow } from './spend.js'
import type { ChannelRules } from './channel.js'

/** The store methods attribution needs, declared here so that journey/ stays free of the store. */
export interface JourneySource {
  /** Events ordered by profile and time, in pages. */
  journeyEventPages(opts: { from?: string; to?: string }): AsyncIterable<JourneyRow[]>
  listSpend(): Promise<SpendRow[]>
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
  const models: readonly AttributionModel[] =
    opts.model === 'all' ? ATTRIBUTION_MODELS : ATTRIBUTION_MODELS.includes(opts.model as AttributionModel) ? [opts.model as AttributionModel] : []
  if (models.length === 0) throw new AppError('REQUEST_INVALID', `model must be all or one of ${ATTRIBUTION_MODELS.join(', ')}, got "${opts.model}"`)
  const order = opts.markovOrder ?? 1
  if (![1, 2, 3].includes(order)) throw new AppError('REQUEST_INVALID', `markovOrder must be 1, 2 or 3, got ${order}`)
  const period = { ...(opts.from ? { from: timeParam('from', opts.from) } : {}), ...(opts.to ? { to: timeParam('to', opts.to) } : {}) }
  const spendRows = await source.listSpend()
  const spend = spendRows.length > 0 ? spendInPeriod(spendRows, opts.from && new Date(opts.from).toISOString(), opts.to && new Date(opts.to).toISOString()) : undefined
  const attribution = startAttribution({ models, markovOrder: order, byCampaign: true, ...(spend ? { spend } : {}) })
  // Journeys are cut per profile as the pages arrive and folded into the models' paths at once:
  // memory follows the distinct paths, not the events (issue 15).
  const cutter = cutJourneys(
    {
      ...(opts.conversion ? { conversionEvent: opts.conversion } : {}),
      ...(opts.rules ? { rules: opts.rules } : {}),
      lookbackDays: opts.lookbackDays ?? 30,
    },
    (journey) => attribution.add(journey),
  )
  let read = 0
  for await (const page of source.journeyEventPages(period)) {
    for (const row of page) cutter.add(row)
    read += page.length
    opts.onProgress?.(read)
  }
  const withoutTouchpoints = cutter.end()
  const report = attribution.report()
  if (withoutTouchpoints > 0) report.notes.push(`${withoutTouchpoints} conversions had no touchpoint in the lookback window; they are counted here and credited to no channel`)
  return { ...report, withoutTouchpoints }
}
