import { AppError } from '../core/errors.js'
import { timeParam } from '../core/time.js'
import { attribute, ATTRIBUTION_MODELS, type AttributionModel, type AttributionReport } from './attribute.js'
import { journeysFromEvents, type JourneyRow } from './journeys-from-events.js'
import { spendInPeriod, type SpendRow } from './spend.js'
import type { ChannelRules } from './channel.js'

/** The store method attribution needs, declared here so that journey/ stays free of the store. */
export interface JourneySource {
  listJourneyEvents(opts: { from?: string; to?: string }): Promise<JourneyRow[]>
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
}

/** Builds the journeys of [from, to) from the store and runs the chosen models. */
export async function runAttribution(source: JourneySource, opts: AttributionOptions): Promise<AttributionReport & { withoutTouchpoints: number }> {
  const models: readonly AttributionModel[] =
    opts.model === 'all' ? ATTRIBUTION_MODELS : ATTRIBUTION_MODELS.includes(opts.model as AttributionModel) ? [opts.model as AttributionModel] : []
  if (models.length === 0) throw new AppError('REQUEST_INVALID', `model must be all or one of ${ATTRIBUTION_MODELS.join(', ')}, got "${opts.model}"`)
  const order = opts.markovOrder ?? 1
  if (![1, 2, 3].includes(order)) throw new AppError('REQUEST_INVALID', `markovOrder must be 1, 2 or 3, got ${order}`)
  const rows = await source.listJourneyEvents({
    ...(opts.from ? { from: timeParam('from', opts.from) } : {}),
    ...(opts.to ? { to: timeParam('to', opts.to) } : {}),
  })
  const { journeys, withoutTouchpoints } = journeysFromEvents(rows, {
    ...(opts.conversion ? { conversionEvent: opts.conversion } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
    lookbackDays: opts.lookbackDays ?? 30,
  })
  const spendRows = await source.listSpend()
  const spend = spendRows.length > 0 ? spendInPeriod(spendRows, opts.from && new Date(opts.from).toISOString(), opts.to && new Date(opts.to).toISOString()) : undefined
  const report = attribute(journeys, { models, markovOrder: order, byCampaign: true, ...(spend ? { spend } : {}) })
  if (withoutTouchpoints > 0) report.notes.push(`${withoutTouchpoints} conversions had no touchpoint in the lookback window; they are counted here and credited to no channel`)
  return { ...report, withoutTouchpoints }
}
