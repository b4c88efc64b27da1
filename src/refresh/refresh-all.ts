import type { Config } from '../config/config.js'
import { consentFigures } from '../consent/figures.js'
import { channelRulesWith } from '../journey/channel.js'
import { runAttributionByMonth } from '../journey/run-attribution.js'
import type { Store } from '../store/store.js'
import { policyOf } from '../consent/rules.js'
import { refreshStoreValues } from './value-refresh.js'
import { ConsentService } from '../consent/consent-service.js'
import { DecideService } from '../decide/decide-service.js'

/** The kinds of aggregates the refresh keeps, as the API reads them. */
export const AGGREGATE_KINDS = {
  attribution: 'attribution',
  /** Journeys that end in one calendar month, YYYY-MM. */
  attributionOfMonth: (month: string) => `attribution:${month}`,
  consentFigures: (interval: 'day' | 'week' | 'month') => `consent_figures:${interval}`,
} as const

export interface RefreshOutcome {
  /** Per part: what it made, or why it did not (too few orders, several currencies, …). */
  value: { customers: number; currency: string } | { skipped: string }
  attribution: { journeys: number; months: number } | { skipped: string }
  consentFigures: { intervals: number } | { skipped: string }
  /** Every profile's best offers per channel, with the new scores (decide all). */
  nextBestOffers: { profiles: number; channels: number } | { skipped: string }
  seconds: number
}

/**
 * The periodic refresh: value models (scores every profile), attribution over the whole history
 * and per calendar month (every model), the consent figures (by day, week and month), each kept for the API to serve
 * without computing per request (issue 15), and then — with the new scores — every profile's next
 * best offers per channel (`decide all`, issue 11). A part that fails leaves its previous result in place
 * and says why; the others still run.
 */
export async function refreshAll(store: Store, config: Config): Promise<RefreshOutcome> {
  const started = Date.now()
  const skipped = (err: unknown) => ({ skipped: (err as Error).message })
  const value = await refreshStoreValues(store, config).then((r) => ({ customers: r.customers, currency: r.currency }), skipped)
  const attribution = await (async () => {
    const computedAt = new Date().toISOString()
    const { all, months } = await runAttributionByMonth(store.journeys, { model: 'all', rules: channelRulesWith(config.channelRules), byMonth: true })
    await store.results.put(AGGREGATE_KINDS.attribution, computedAt, all)
    for (const [month, report] of Object.entries(months)) await store.results.put(AGGREGATE_KINDS.attributionOfMonth(month), computedAt, report)
    return { journeys: all.journeys, months: Object.keys(months).length }
  })().catch(skipped)
  const figures = await (async () => {
    const computedAt = new Date().toISOString()
    const [records, firstSeen] = await Promise.all([store.consent.decisions(), store.events.firstSeenTimes()])
    const policy = policyOf(config)
    for (const interval of ['day', 'week', 'month'] as const) {
      await store.results.put(AGGREGATE_KINDS.consentFigures(interval), computedAt, consentFigures(records, firstSeen, policy, { interval }))
    }
    return { intervals: 3 }
  })().catch(skipped)
  const nextBestOffers = await (async () => {
    const policy = policyOf(config)
    // Its own service: this runs on the refresh's worker thread with its own store, and keeps no feature view.
    const decide = await new DecideService(store, new ConsentService(store, policy), policy, undefined, { viewProfiles: 0 }).load()
    if (!decide.catalog) return { skipped: 'no catalog applied' }
    const report = await decide.decideAll()
    return { profiles: report.profiles, channels: report.channels.length }
  })().catch(skipped)
  return { value, attribution, consentFigures: figures, nextBestOffers, seconds: Math.round((Date.now() - started) / 100) / 10 }
}

/** One line per part: what it made, or why it was skipped. */
export function describeRefresh(outcome: RefreshOutcome): string {
  const part = (p: object) => ('skipped' in p ? `skipped (${String(p.skipped)})` : JSON.stringify(p))
  return `refreshed in ${outcome.seconds} s: values ${part(outcome.value)}, attribution ${part(outcome.attribution)}, consent figures ${part(outcome.consentFigures)}, next best offers ${part(outcome.nextBestOffers)}`
}
