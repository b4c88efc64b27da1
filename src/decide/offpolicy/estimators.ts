import { randomSource } from '../learning/random.js'

/** One logged decision: the action the logging policy took, the probability it took it with, and the reward. */
export interface LoggedRound {
  action: number
  propensity: number
  reward: number
}

/** An estimate with its 95 % interval (percentile bootstrap over the rounds). */
export interface Estimate {
  value: number
  low: number
  high: number
}

export interface OffPolicyEstimates {
  ipw: Estimate
  snipw: Estimate
  dr?: Estimate
}

/**
 * Off-policy estimates of a target policy's value from a log (Dudík, Langford & Li 2011; Swaminathan
 * & Joachims 2015), the forms zr-obp implements:
 *   IPW   = mean of w·r, with w = π(a | x) / p the target's over the logger's probability;
 *   SNIPW = Σ w·r / Σ w (self-normalized: bounded, slightly biased);
 *   DR    = mean of Σₐ π(a | x) q̂(x, a) + w·(r − q̂(x, a)), with a reward model q̂.
 * `target(i)` is the target's distribution over actions in round i, `reward(i)` the model's q̂ for
 * every action (cross-fitted: not trained on round i). Intervals: `bootstrap` resamples of the rounds.
 */
export function offPolicyEstimates(
  rounds: readonly LoggedRound[],
  target: (i: number) => ArrayLike<number>,
  opts: { reward?: (i: number) => ArrayLike<number>; bootstrap?: number; seed?: number } = {},
): OffPolicyEstimates {
  const n = rounds.length
  const w = new Float64Array(n)
  const dr = opts.reward ? new Float64Array(n) : null
  for (let i = 0; i < n; i++) {
    const { action, propensity, reward } = rounds[i]!
    const pi = target(i)
    w[i] = pi[action]! / propensity
    if (dr && opts.reward) {
      const q = opts.reward(i)
      let direct = 0
      for (let a = 0; a < pi.length; a++) direct += pi[a]! * q[a]!
      dr[i] = direct + w[i]! * (reward - q[action]!)
    }
  }
  const r = Float64Array.from(rounds, (x) => x.reward)
  const point = estimatorsOn(Array.from({ length: n }, (_, i) => i), w, r, dr)
  const B = opts.bootstrap ?? 1000
  const random = randomSource(opts.seed ?? 1)
  const samples = { ipw: new Float64Array(B), snipw: new Float64Array(B), dr: new Float64Array(B) }
  const idx = new Array<number>(n)
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n; k++) idx[k] = random.int(0, n - 1)
    const e = estimatorsOn(idx, w, r, dr)
    samples.ipw[b] = e.ipw
    samples.snipw[b] = e.snipw
    samples.dr[b] = e.dr ?? 0
  }
  const estimate = (value: number, s: Float64Array): Estimate => ({ value, low: quantile(s, 0.025), high: quantile(s, 0.975) })
  return {
    ipw: estimate(point.ipw, samples.ipw),
    snipw: estimate(point.snipw, samples.snipw),
    ...(dr ? { dr: estimate(point.dr!, samples.dr) } : {}),
  }
}

function estimatorsOn(idx: readonly number[], w: Float64Array, r: Float64Array, dr: Float64Array | null): { ipw: number; snipw: number; dr: number | null } {
  let wr = 0
  let ws = 0
  let d = 0
  for (const i of idx) {
    wr += w[i]! * r[i]!
    ws += w[i]!
    if (dr) d += dr[i]!
  }
  return { ipw: wr / idx.length, snipw: ws > 0 ? wr / ws : 0, dr: dr ? d / idx.length : null }
}

function quantile(xs: Float64Array, q: number): number {
  const sorted = Float64Array.from(xs).sort()
  const pos = q * (sorted.length - 1)
  const lo = Math.floor(pos)
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo)
}

/** The on-policy value of a log (its mean reward) with the normal 95 % interval of a mean. */
export function onPolicyValue(rounds: readonly LoggedRound[]): Estimate {
  const n = rounds.length
  const mean = rounds.reduce((s, x) => s + x.reward, 0) / n
  const sd = Math.sqrt(rounds.reduce((s, x) => s + (x.reward - mean) ** 2, 0) / Math.max(1, n - 1))
  return { value: mean, low: mean - (1.96 * sd) / Math.sqrt(n), high: mean + (1.96 * sd) / Math.sqrt(n) }
}
