import type { Offer } from './catalog.js'

/** What the engine asks of a propensity model: an offer's response rate in this context. */
export interface Propensity {
  estimate(offer: Offer): number
  /** An offer was shown (a decision made it, not a continuation). */
  shown(offerId: string): void
  /** A shown offer got a positive outcome (accept, converted) — once per decision. */
  succeeded(offerId: string): void
}

/**
 * Beta-Bernoulli per offer (docs/decide.md): with the offer's prior Beta(α, β), s successes in n
 * showings give the posterior mean (α + s) / (α + β + n). The learning issue puts a contextual
 * model behind the same interface.
 */
export class BetaPropensity implements Propensity {
  private readonly counts = new Map<string, { shown: number; positive: number }>()

  constructor(initial: Map<string, { shown: number; positive: number }> = new Map()) {
    for (const [id, c] of initial) this.counts.set(id, { ...c })
  }

  estimate(offer: Offer): number {
    const c = this.counts.get(offer.id) ?? { shown: 0, positive: 0 }
    const { alpha, beta } = offer.prior
    return (alpha + Math.min(c.positive, c.shown)) / (alpha + beta + c.shown)
  }

  shown(offerId: string): void {
    this.of(offerId).shown++
  }

  succeeded(offerId: string): void {
    this.of(offerId).positive++
  }

  private of(offerId: string) {
    let c = this.counts.get(offerId)
    if (!c) this.counts.set(offerId, (c = { shown: 0, positive: 0 }))
    return c
  }
}
