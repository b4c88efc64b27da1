import type { ReachRow } from '../store/learning-writes.js'
import type { Catalog } from './catalog.js'
import type { RankedOffer } from './engine.js'
import type { CustomerFeatures } from './features.js'
import type { PastDecision } from './history.js'
import { armOf } from './learning/experiments.js'

/* What the decision service records beside a decision and an outcome for learning and experiments: the arm, the campaigns' first reach, an outcome's label and the showing it belongs to. */

/** The experiment's arm of a decision for this customer (or anonymous visitor's decision), and its strategy. */
export function armFor(catalog: Catalog, key: string): Catalog['spec']['experiment']['arms'][number] {
  const arms = catalog.spec.experiment.arms
  const id = armOf(arms, key)
  return arms.find((a) => a.id === id)!
}

/** The campaigns a decision reaches the customer with, and what the value models predicted for them at that moment. */
export function reachOf(offers: readonly RankedOffer[], profileId: string, features: CustomerFeatures, at: Date): ReachRow[] {
  const v = features.value ?? {}
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null)
  return [...new Set(offers.map((o) => o.campaign))].map((campaignId) => ({ campaignId, profileId, at: at.toISOString(), e30: num(v.expectedPurchases30d), e90: num(v.expectedPurchases90d), e365: num(v.expectedPurchases365d), spend: num(v.expectedSpendPerOrder) }))
}

/** What an outcome teaches: 1 for a response, 0 for a reject; impressions and clicks are no verdict (an expired window is the 0 of silence). */
export const LABELS: Partial<Record<string, 0 | 1>> = { accept: 1, converted: 1, reject: 0 }

/** The policy decision of a decision in a customer's history: follows `continues` back to the first. */
export function rootOf(past: readonly PastDecision[], id: string): string {
  let d = past.find((p) => p.id === id)
  for (let hops = 0; d && d.continues !== null && hops < 20; hops++) {
    const prev = past.find((p) => p.id === d!.continues)
    if (!prev) return d.continues
    d = prev
  }
  return d?.id ?? id
}
