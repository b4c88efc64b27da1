import { describe, expect, it } from 'vitest'
import { Learner, type Example } from './learner.js'
import { randomSource } from './random.js'

const offer = { id: 'o1', prior: { alpha: 1, beta: 19 } }
const prior = () => offer.prior
const settings = { minOutcomes: 10, priorVariance: 1 }
const examples = (n: number, label: (i: number) => 0 | 1, features = ['bias', 'channel=web']): Example[] => Array.from({ length: n }, (_, i) => ({ offerId: 'o1', features, label: label(i) }))

describe('the learner', () => {
  it('counts Beta-Bernoulli until an offer has enough outcomes, then scores it by its regression', () => {
    const learner = new Learner(settings)
    const web = () => learner.belief(offer, learner.encode(['bias', 'channel=web']))
    expect(web()).toMatchObject({ mean: 0.05, model: 'beta' })
    learner.learn(examples(9, (i) => (i < 3 ? 1 : 0)), prior, 'now')
    expect(web().model).toBe('beta')
    expect(web().mean).toBeCloseTo((1 + 3) / (1 + 19 + 9), 12)
    learner.learn(examples(1, () => 0), prior, 'now')
    expect(web().model).toBe('logistic')
    expect(learner.version).toBe(2)
  })

  it('learns that an offer works on one channel and not on another', () => {
    const learner = new Learner(settings)
    const random = randomSource(5)
    const rows: Example[] = []
    for (let i = 0; i < 4000; i++) {
      const web = random.next() < 0.5
      rows.push({ offerId: 'o1', features: ['bias', web ? 'channel=web' : 'channel=email'], label: random.next() < (web ? 0.2 : 0.02) ? 1 : 0 })
    }
    learner.learn(rows, prior, 'now')
    const rate = (channel: string) => learner.belief(offer, learner.encode(['bias', `channel=${channel}`])).mean
    expect(rate('web')).toBeGreaterThan(0.17)
    expect(rate('web')).toBeLessThan(0.23)
    expect(rate('email')).toBeGreaterThan(0.01)
    expect(rate('email')).toBeLessThan(0.035)
    // A context never seen adds the prior's uncertainty: its draws spread wider than a known one's.
    const spread = (features: string[]) => {
      const b = learner.belief(offer, learner.encode(features))
      const draws = Array.from({ length: 2000 }, () => b.draw(random, 1))
      const mean = draws.reduce((s, d) => s + d, 0) / draws.length
      return Math.sqrt(draws.reduce((s, d) => s + (d - mean) ** 2, 0) / draws.length)
    }
    expect(spread(['bias', 'channel=web', 'device=tv'])).toBeGreaterThan(2 * spread(['bias', 'channel=web']))
    const weights = new Map(learner.describe('o1')!.weights.map((w) => [w.feature, w.mean]))
    expect(weights.get('channel=web')! - weights.get('channel=email')!).toBeGreaterThan(2)
  })

  it('keeps its state through a snapshot: the restored learner believes the same', () => {
    const learner = new Learner(settings)
    learner.learn(examples(50, (i) => (i % 5 === 0 ? 1 : 0)), prior, 'now')
    const restored = new Learner(settings, JSON.parse(JSON.stringify(learner.snapshot())))
    const x = ['bias', 'channel=web']
    expect(restored.belief(offer, restored.encode(x)).mean).toBe(learner.belief(offer, learner.encode(x)).mean)
    expect(restored.version).toBe(learner.version)
  })

  it('resets a degenerate posterior to its prior with an alert, and never uses it', () => {
    const learner = new Learner(settings)
    learner.learn(examples(20, () => 0), prior, '2026-06-01T00:00:00.000Z')
    const state = learner.snapshot()
    const broken = Buffer.from(new Float64Array([Number.NaN, 0, 0, 0]).buffer).toString('base64')
    const sick = new Learner(settings, { ...state, offers: { o1: { ...state.offers.o1!, m: broken } } })
    sick.learn(examples(1, () => 1), prior, '2026-06-02T00:00:00.000Z')
    expect(sick.alerts).toEqual([{ offerId: 'o1', at: '2026-06-02T00:00:00.000Z', reason: 'posterior not finite; reset to its prior' }])
    const b = sick.belief(offer, sick.encode(['bias']))
    expect(b).toMatchObject({ mean: 0.05, model: 'beta' })
  })
})

describe('the random source', () => {
  it('draws Beta(a, b) with its mean and variance', () => {
    const random = randomSource(9)
    for (const [a, b] of [[1, 19], [0.5, 0.5], [30, 70]] as const) {
      const draws = Array.from({ length: 50_000 }, () => random.beta(a, b))
      const mean = draws.reduce((s, d) => s + d, 0) / draws.length
      const variance = draws.reduce((s, d) => s + (d - mean) ** 2, 0) / draws.length
      expect(Math.abs(mean - a / (a + b))).toBeLessThan(0.005)
      expect(Math.abs(variance / ((a * b) / ((a + b) ** 2 * (a + b + 1))) - 1)).toBeLessThan(0.05)
    }
  })
})
