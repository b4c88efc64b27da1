import type { CollectedEvent } from '../core/event.js'
import type { OutcomeRow } from '../store/store.js'
import type { Catalog } from './catalog.js'
import { offerState, type Outcome, type PastDecision } from './history.js'

/** The collection events that report an outcome (Segment's naming), with `decision_id` and `offer_id` properties. */
export const OUTCOME_EVENTS: Readonly<Record<string, Exclude<Outcome, 'ignored' | 'converted'>>> = {
  'Offer Viewed': 'impression',
  'Offer Clicked': 'click',
  'Offer Accepted': 'accept',
  'Offer Declined': 'reject',
}

/** An outcome event's decision, offer and outcome, or null when the event is none or lacks the ids. */
export function outcomeOfEvent(e: CollectedEvent): { decisionId: string; offerId: string; outcome: Outcome } | null {
  const outcome = e.event ? OUTCOME_EVENTS[e.event] : undefined
  if (!outcome) return null
  const decisionId = e.properties.decision_id
  const offerId = e.properties.offer_id
  return typeof decisionId === 'string' && typeof offerId === 'string' ? { decisionId, offerId, outcome } : null
}

/** Whether an event meets a campaign's goal: its event name, and the category when the goal names one (the event's or one of its products'). */
export function meetsGoal(e: CollectedEvent, goal: Catalog['campaigns'][number]['goal']): boolean {
  if (e.event !== goal.event) return false
  if (goal.category === undefined) return true
  const categories = [e.properties.category, ...(Array.isArray(e.properties.products) ? e.properties.products.map((p) => (p as { category?: unknown } | null)?.category) : [])]
  return categories.some((c) => typeof c === 'string' && c.toLowerCase() === goal.category!.toLowerCase())
}

/** The event names any campaign of the catalog counts as its goal. */
export function goalEvents(catalog: Catalog): Set<string> {
  return new Set(catalog.campaigns.map((c) => c.goal.event))
}

/**
 * The `converted` outcomes an event records: for each decision made before it (continuations left
 * out: the conversion belongs to the first showing), each offer still open at the event's time whose
 * campaign goal the event meets, with the order's revenue as the value.
 */
export function conversionsOf(decisions: readonly PastDecision[], event: CollectedEvent, at: Date, catalog: Catalog): OutcomeRow[] {
  const rows: OutcomeRow[] = []
  for (const d of decisions) {
    if (d.continues !== null || d.at > at.toISOString()) continue
    for (const o of d.offers) {
      const campaign = catalog.campaigns.find((c) => c.id === o.campaignId)
      if (!campaign || !meetsGoal(event, campaign.goal) || offerState(d, o.offerId, campaign, at.getTime()).state !== 'open') continue
      rows.push({ decisionId: d.id, offerId: o.offerId, outcome: 'converted', at: at.toISOString(), value: event.revenue, source: `event:${event.source}` })
    }
  }
  return rows
}
