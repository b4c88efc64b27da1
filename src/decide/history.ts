import type { Campaign, Catalog } from './catalog.js'
import type { DecisionChannel } from './catalog-schema.js'
import { DAY_MS } from '../core/time.js'

export const OUTCOMES = ['impression', 'click', 'accept', 'reject', 'converted'] as const
/**
 * What a customer did with an offer; `ignored` is what the response window says when they did
 * nothing; `not_delivered` is an outbound decision stopped before delivery (consent withdrawn): it
 * never reached the customer, so it is no contact and no negative.
 */
export type Outcome = (typeof OUTCOMES)[number] | 'ignored' | 'not_delivered'

const POSITIVE: ReadonlySet<Outcome> = new Set(['accept', 'converted'])

/** A decision made earlier for the customer, with the outcomes recorded for its offers. */
export interface PastDecision {
  id: string
  at: string
  channel: DecisionChannel
  offers: { offerId: string; campaignId: string }[]
  outcomes: { offerId: string; outcome: Outcome; at: string }[]
  /** The decision this one continued (same offer on another channel), or null. */
  continues: string | null
}

/** How an offer of a past decision ended, or that it is still open. */
export type OfferState = { state: 'open' } | { state: 'not_delivered' } | { state: 'positive' | 'reject' | 'ignored'; at: number }


/** An offer's state at `now`: its terminal outcome, `ignored` once its campaign's response window passed without one, else open. */
export function offerState(d: PastDecision, offerId: string, campaign: Campaign | undefined, now: number): OfferState {
  let reject: number | null = null
  for (const o of d.outcomes) {
    if (o.offerId !== offerId) continue
    if (o.outcome === 'not_delivered') return { state: 'not_delivered' }
    if (POSITIVE.has(o.outcome)) return { state: 'positive', at: Date.parse(o.at) }
    if (o.outcome === 'reject') reject = Date.parse(o.at)
    if (o.outcome === 'ignored') return { state: 'ignored', at: Date.parse(o.at) }
  }
  if (reject !== null) return { state: 'reject', at: reject }
  const expires = Date.parse(d.at) + (campaign?.responseWindowDays ?? 7) * DAY_MS
  return now >= expires ? { state: 'ignored', at: expires } : { state: 'open' }
}

/** The facts about a customer's contact history that caps, cool-downs and suppression need, at `now`. */
export interface HistoryFacts {
  contactsByCampaign: Map<string, number>
  /** Until when (ms) a campaign is cooling down for this customer, and why. */
  cooldownUntil: Map<string, { until: number; why: 'reject' | 'ignored' | 'converted' }>
  /** Until when an offer is suppressed (ignored too often). */
  suppressedUntil: Map<string, number>
  /** Decision times per channel, for the per-channel caps. */
  contactTimes: Map<DecisionChannel, number[]>
  /** The newest decision whose offer is still open, for continuation across channels. */
  open: { decision: PastDecision; offerId: string; campaignId: string } | null
}

/** Reads the facts off a customer's past decisions (any order), with the catalog's policy. */
export function historyFacts(past: readonly PastDecision[], catalog: Catalog, now: number): HistoryFacts {
  const policy = catalog.contactPolicy
  const facts: HistoryFacts = { contactsByCampaign: new Map(), cooldownUntil: new Map(), suppressedUntil: new Map(), contactTimes: new Map(), open: null }
  const ignoredTimes = new Map<string, number[]>()
  const sorted = [...past].sort((a, b) => a.at.localeCompare(b.at))
  for (const d of sorted) {
    // Stopped before delivery: the customer never saw it, so it counts for nothing.
    if (d.offers.length > 0 && d.offers.every((o) => d.outcomes.some((x) => x.offerId === o.offerId && x.outcome === 'not_delivered'))) continue
    // A continuation is the same contact on another channel: it counts once, for its campaign and caps.
    if (d.continues === null) {
      const times = facts.contactTimes.get(d.channel) ?? []
      times.push(Date.parse(d.at))
      facts.contactTimes.set(d.channel, times)
    }
    for (const o of d.offers) {
      const campaign = catalog.campaigns.find((c) => c.id === o.campaignId)
      if (d.continues === null) facts.contactsByCampaign.set(o.campaignId, (facts.contactsByCampaign.get(o.campaignId) ?? 0) + 1)
      const s = offerState(d, o.offerId, campaign, now)
      if (s.state === 'not_delivered') continue
      if (s.state === 'open') {
        facts.open = { decision: d, offerId: o.offerId, campaignId: o.campaignId }
        continue
      }
      const days = s.state === 'reject' ? policy.rejectCooldownDays : (campaign?.cooldownDays ?? 14)
      const why = s.state === 'positive' ? 'converted' : s.state
      const until = s.at + days * DAY_MS
      if ((facts.cooldownUntil.get(o.campaignId)?.until ?? 0) < until) facts.cooldownUntil.set(o.campaignId, { until, why })
      if (s.state === 'ignored') {
        const times = ignoredTimes.get(o.offerId) ?? []
        times.push(s.at)
        ignoredTimes.set(o.offerId, times)
      }
    }
  }
  const { times, withinDays, suppressDays } = policy.ignored
  for (const [offerId, at] of ignoredTimes) {
    for (let i = times - 1; i < at.length; i++) {
      if (at[i]! - at[i - times + 1]! <= withinDays * DAY_MS) facts.suppressedUntil.set(offerId, Math.max(facts.suppressedUntil.get(offerId) ?? 0, at[i]! + suppressDays * DAY_MS))
    }
  }
  if (facts.open && now - Date.parse(facts.open.decision.at) > policy.holdHours * 3_600_000) facts.open = null
  return facts
}

/**
 * Whether the offer of a decision already reached the customer on a channel: the decision, the ones
 * it continues and those that continue any of them (one offer across channels), on that channel.
 * An outbound run does not send an offer again that the customer got there.
 */
export function reachedOn(past: readonly PastDecision[], decisionId: string, channel: DecisionChannel): boolean {
  const linked = new Set([decisionId])
  for (let grew = true; grew; ) {
    grew = false
    for (const d of past) {
      if (d.continues === null || linked.has(d.id) === linked.has(d.continues)) continue
      linked.add(d.id).add(d.continues)
      grew = true
    }
  }
  return past.some((d) => linked.has(d.id) && d.channel === channel)
}
