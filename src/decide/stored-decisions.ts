import { AppError } from '../core/errors.js'
import type { StoredDecision } from '../store/store.js'
import type { DecisionChannel } from './catalog-schema.js'
import type { RankedOffer } from './engine.js'
import type { Outcome, PastDecision } from './history.js'

/** A stored decision as the engine's contact history reads it. */
export function toPast(d: Omit<StoredDecision, 'explanation'>): PastDecision {
  return {
    id: d.id,
    at: d.at,
    channel: d.channel as DecisionChannel,
    continues: d.continues,
    offers: (d.offers as RankedOffer[]).map((o) => ({ offerId: o.offer, campaignId: o.campaign })),
    outcomes: d.outcomes.map((o) => ({ offerId: o.offerId, outcome: o.outcome as Outcome, at: o.at })),
  }
}

/** Runs a store-backed step; anything but one of our own errors means the store did not answer: 503 with Retry-After. */
export async function unavailableUnlessApp<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('STORE_UNAVAILABLE', `the store did not answer, so no decision or outcome was recorded: ${(err as Error).message}`, { cause: err, retryAfterSeconds: 1 })
  }
}
