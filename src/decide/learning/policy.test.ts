import { describe, expect, it } from 'vitest'
import { consentPolicy } from '../../consent/rules.js'
import { CONSENT_PURPOSES, type ConsentRecord } from '../../core/consent.js'
import { compileCatalog } from '../catalog.js'
import { decide } from '../engine.js'
import { anonymousFeatures } from '../features.js'
import { expectedSigmoid } from './laplace.js'
import { beliefOf, type Belief } from './learner.js'
import { showProbabilities } from './show-probability.js'
import { randomSource, type Random } from './random.js'

const NOW = new Date('2026-06-10T12:00:00Z')
const OPT_IN: ConsentRecord = { id: 1, purpose: 'marketing', channel: 'web', state: 'opt_in', legalBasis: 'consent', source: 'test', occurredAt: '2026-01-01T00:00:00Z', recordedAt: '2026-01-01T00:00:00Z', evidence: { type: 'test' }, messageId: null }
const campaign = (id: string, exploration: Record<string, number> = {}) => ({ id, name: id, status: 'active', channels: ['web'], exploration, offers: [{ id: `${id}-offer`, name: id, value: 10 }] })
const catalogOf = (exploration: Record<string, number> = {}) => compileCatalog({ campaigns: [campaign('a', exploration), campaign('b', exploration)] }, { version: 1, purposes: CONSENT_PURPOSES })
/** A belief whose logit is N(mean, sd²), as the regression's. */
const logit = (mean: number, sd: number): Belief => beliefOf('logistic', mean, sd)
const beliefs: Record<string, Belief> = { 'a-offer': logit(-2, 0.8), 'b-offer': logit(-2.4, 0.6) }
const decideWith = (catalog: ReturnType<typeof catalogOf>, random: Random | undefined) =>
  decide({ channel: 'web', placement: 'web', at: NOW }, 1, {
    catalog,
    features: { ...anonymousFeatures(), ledger: { records: [OPT_IN], suppressions: [] } },
    past: [],
    policy: consentPolicy({ jurisdiction: 'DE' }),
    usage: () => ({ total: 0, today: 0 }),
    propensity: () => (offer) => beliefs[offer.id]!,
    random,
  })

/** Φ by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2)
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2)
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2
}
// Equal values: a wins when its drawn logit is above b's.
const P_A = normalCdf((-2 + 2.4) / Math.sqrt(0.8 ** 2 + 0.6 ** 2))

describe("the policy's choice and its logged probability", () => {
  it('logs the probability Thompson sampling shows the offer with, as the normal distribution says', () => {
    const random = randomSource(1)
    for (let i = 0; i < 20; i++) {
      const d = decideWith(catalogOf(), random)
      const chosen = d.offers[0]!.offer
      const p = showProbabilities(d.explanation.policy, [chosen], { draws: 4000, random })[chosen]!
      expect(Math.abs(p - (chosen === 'a-offer' ? P_A : 1 - P_A))).toBeLessThan(0.03)
      expect(d.explanation.policy.contenders.map((c) => c[0]).sort()).toEqual(['a-offer', 'b-offer'])
    }
  })

  it('shows each offer as often as its logged probability says, so inverse-probability weights average to 1', () => {
    const random = randomSource(2)
    const catalog = catalogOf()
    let shownA = 0
    const weight = { 'a-offer': 0, 'b-offer': 0 }
    const N = 3000
    for (let i = 0; i < N; i++) {
      const d = decideWith(catalog, random)
      const chosen = d.offers[0]!.offer as keyof typeof weight
      if (chosen === 'a-offer') shownA++
      weight[chosen] += 1 / showProbabilities(d.explanation.policy, [chosen], { draws: 200, random })[chosen]!
    }
    expect(Math.abs(shownA / N - P_A)).toBeLessThan(0.03)
    for (const w of Object.values(weight)) expect(Math.abs(w / N - 1)).toBeLessThan(0.1)
  })

  it('ranks by the expected rates at temperature 0, with probability 1; in an exploration share of 1 it picks at random', () => {
    const greedy = decideWith(catalogOf({ temperature: 0 }), randomSource(3))
    expect(greedy.offers[0]!.offer).toBe('a-offer')
    expect(greedy.explanation.policy.contenders).toEqual([])
    expect(showProbabilities(greedy.explanation.policy, ['a-offer'])).toEqual({ 'a-offer': 1 })
    const expected = Math.round(expectedSigmoid(-2, 0.8 ** 2) * 1e6) / 1e6
    expect(greedy.explanation.ranked[0]).toMatchObject({ propensity: expected, expected })
    const random = randomSource(4)
    const explore = catalogOf({ share: 1 })
    let a = 0
    for (let i = 0; i < 2000; i++) if (decideWith(explore, random).offers[0]!.offer === 'a-offer') a++
    expect(Math.abs(a / 2000 - 0.5)).toBeLessThan(0.04)
  })
})
