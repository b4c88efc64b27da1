import { describe, expect, it } from 'vitest'
import { attribute } from './attribute.js'
import { simulateJourneys } from './simulate-journeys.js'

/** Spearman rank correlation of two score maps over the same keys (no ties expected). */
function spearman(a: Record<string, number>, b: Record<string, number>): number {
  const keys = Object.keys(a)
  const rank = (m: Record<string, number>) => new Map([...keys].sort((x, y) => (m[y] ?? 0) - (m[x] ?? 0)).map((k, i) => [k, i]))
  const ra = rank(a)
  const rb = rank(b)
  const n = keys.length
  const d2 = keys.reduce((s, k) => s + (ra.get(k)! - rb.get(k)!) ** 2, 0)
  return 1 - (6 * d2) / (n * (n * n - 1))
}

describe('attribution on simulated journeys with known incremental effects (docs/attribution.md)', () => {
  const { journeys, trueShares } = simulateJourneys(80_000, 7)
  const report = attribute(journeys, { models: ['last_touch', 'shapley', 'markov'] })
  const shares = (model: 'last_touch' | 'shapley' | 'markov') =>
    Object.fromEntries(Object.keys(trueShares).map((c) => [c, (report.models[model]![c]?.conversions ?? 0) / report.conversions]))

  it('Shapley recovers the ranking (Spearman ≥ 0.95) and every share within 0.025', () => {
    const shapley = shares('shapley')
    expect(spearman(trueShares, shapley)).toBeGreaterThanOrEqual(0.95)
    for (const c of Object.keys(trueShares)) expect(Math.abs(shapley[c]! - trueShares[c]!)).toBeLessThan(0.025)
  })

  it('last touch does not: it credits direct, which has no effect, and misorders the channels', () => {
    const last = shares('last_touch')
    expect(last.direct! - trueShares.direct!).toBeGreaterThan(0.1)
    expect(spearman(trueShares, last)).toBeLessThan(0.8)
  })
})
