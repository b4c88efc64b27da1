import { describe, expect, it } from 'vitest'
import { randomSource } from '../learning/random.js'
import { offPolicyEstimates, onPolicyValue, type LoggedRound } from './estimators.js'

/** A logged bandit: 5 actions taken uniformly at random; action a pays with rate rate(x, a) in context x ∈ {0, 1}. */
function simulatedLog(n: number, seed: number) {
  const random = randomSource(seed)
  const rate = (x: number, a: number) => (x === 0 ? [0.1, 0.2, 0.05, 0.3, 0.15] : [0.4, 0.05, 0.25, 0.1, 0.2])[a]!
  const contexts: number[] = []
  const rounds: LoggedRound[] = []
  for (let i = 0; i < n; i++) {
    const x = random.int(0, 1)
    const action = random.int(0, 4)
    contexts.push(x)
    rounds.push({ action, propensity: 0.2, reward: random.next() < rate(x, action) ? 1 : 0 })
  }
  return { contexts, rounds, rate }
}

describe('off-policy estimators', () => {
  it('recover a target policy’s true value from a uniform-random log, within their intervals', () => {
    const { contexts, rounds, rate } = simulatedLog(40_000, 3)
    // The target: action 3 in context 0, action 0 in context 1, each 80 %; otherwise uniform over the rest.
    const pi = (x: number) => Float64Array.from({ length: 5 }, (_, a) => (a === (x === 0 ? 3 : 0) ? 0.8 : 0.05))
    const truth = 0.5 * [0, 1].reduce((s, x) => s + pi(x).reduce((t, p, a) => t + p * rate(x, a), 0), 0)
    // A reward model that is somewhat wrong (rates shrunk toward 0.2): DR stays right.
    const q = (x: number) => Float64Array.from({ length: 5 }, (_, a) => 0.5 * rate(x, a) + 0.1)
    const e = offPolicyEstimates(rounds, (i) => pi(contexts[i]!), { reward: (i) => q(contexts[i]!), bootstrap: 300 })
    for (const k of ['ipw', 'snipw', 'dr'] as const) {
      expect(e[k]!.low).toBeLessThan(truth)
      expect(e[k]!.high).toBeGreaterThan(truth)
      expect(Math.abs(e[k]!.value - truth)).toBeLessThan(0.01)
    }
    // DR with a reward model varies less than IPW.
    expect(e.dr!.high - e.dr!.low).toBeLessThan(e.ipw.high - e.ipw.low)
  })

  it('give the logging policy’s own mean reward exactly when the target is the logging policy', () => {
    const { rounds } = simulatedLog(5000, 4)
    const e = offPolicyEstimates(rounds, () => new Float64Array(5).fill(0.2), { bootstrap: 50 })
    expect(e.ipw.value).toBeCloseTo(onPolicyValue(rounds).value, 12)
    expect(e.snipw.value).toBeCloseTo(onPolicyValue(rounds).value, 12)
  })
})
