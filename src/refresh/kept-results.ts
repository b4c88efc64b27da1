import type { ConsentService } from '../consent/consent-service.js'
import type { Interval } from '../consent/figures.js'
import { AppError } from '../core/errors.js'
import type { ChannelRules } from '../journey/channel.js'
import { runAttribution } from '../journey/run-attribution.js'
import type { Store } from '../store/store.js'
import { AGGREGATE_KINDS } from './refresh-all.js'

export interface AttributionQuery {
  model?: string
  from?: string
  to?: string
  conversion?: string
  lookbackDays?: string
  markovOrder?: string
  month?: string
}

/**
 * Attribution as the API answers it: one month's journeys and the whole history (every model,
 * default settings) from the periodic refresh, so that the dashboard's views never compute over
 * every event per request (issue 15); any other query computed on the spot.
 */
export async function attributionFor(store: Store, q: AttributionQuery, rules?: ChannelRules): Promise<Record<string, unknown>> {
  const others = Object.keys(q).filter((k) => k !== 'month' && !(k === 'model' && q.model === 'all'))
  if (q.month !== undefined) {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(q.month)) throw new AppError('REQUEST_INVALID', `month must be YYYY-MM, got "${q.month}"`)
    if (others.length > 0) throw new AppError('REQUEST_INVALID', 'month takes no other parameter: it answers from the periodic refresh')
    const kept = await store.results.latest(AGGREGATE_KINDS.attributionOfMonth(q.month))
    if (!kept) throw new AppError('NOT_FOUND', `no attribution kept for ${q.month}: no journey ends in it, or the refresh has not run yet (salestwin refresh)`)
    return { computedAt: kept.computedAt, fromRefresh: true, month: q.month, ...(kept.data as object) }
  }
  if (others.length === 0) {
    const kept = await store.results.latest(AGGREGATE_KINDS.attribution)
    if (kept) return { computedAt: kept.computedAt, fromRefresh: true, ...(kept.data as object) }
  }
  const computedAt = new Date().toISOString()
  const report = await runAttribution(store.journeys, {
    model: q.model ?? 'all',
    ...(rules ? { rules } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.conversion ? { conversion: q.conversion } : {}),
    ...(q.lookbackDays ? { lookbackDays: Number(q.lookbackDays) } : {}),
    ...(q.markovOrder ? { markovOrder: Number(q.markovOrder) } : {}),
  })
  return { computedAt, fromRefresh: false, ...report }
}

/** Consent figures as the API answers them: for the whole history from the periodic refresh once it has run, else on the spot. */
export async function consentFiguresFor(store: Store, consent: ConsentService, q: { from?: string; to?: string; interval?: string }): Promise<Record<string, unknown>> {
  const { from, to, interval } = q
  if (from === undefined && to === undefined && (interval === undefined || ['day', 'week', 'month'].includes(interval))) {
    const kept = await store.results.latest(AGGREGATE_KINDS.consentFigures((interval ?? 'month') as Interval))
    if (kept) return { computedAt: kept.computedAt, fromRefresh: true, ...(kept.data as object) }
  }
  return consent.figures({ ...(from ? { from } : {}), ...(to ? { to } : {}), ...(interval ? { interval: interval as Interval } : {}) })
}
