import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, type RfmData } from './rfm-data.js'
import { betaln, logAddExp } from './special.js'

export type BgBbParams = { alpha: number; beta: number; gamma: number; delta: number }
const NAMES = ['alpha', 'beta', 'gamma', 'delta'] as const

/**
 * Log-likelihood of the BG/BB model for discrete opportunities (Fader, Hardie & Shang 2010, eq. 5):
 * x transactions in n = T opportunities, the last at opportunity t_x.
 */
export function bgbbLogLikelihood({ alpha, beta, gamma, delta }: BgBbParams, data: RfmData): number {
  const { x, tx, T, weights } = data
  const betaAB = betaln(alpha, beta)
  const betaGD = betaln(gamma, delta)
  let ll = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const txi = tx[i]!
    const n = T[i]!
    let lli = betaln(alpha + xi, beta + n - xi) - betaAB + betaln(gamma, delta + n) - betaGD
    for (let k = 0; k <= n - txi - 1; k++) {
      lli = logAddExp(lli, betaln(alpha + xi, beta + txi - xi + k) - betaAB + betaln(gamma + 1, delta + txi + k) - betaGD)
    }
    ll += (weights?.[i] ?? 1) * lli
  }
  return ll
}

/** Fits BG/BB by maximum likelihood. `n` is the number of customers (the sum of weights). */
export function fitBgBb(data: RfmData): FitResult<keyof BgBbParams> {
  checkRfm(data)
  const n = data.weights ? data.weights.reduce((s, w) => s + w, 0) : data.x.length
  return fitPositive({ model: 'bgbb', n, names: NAMES, start: [1, 1, 1, 1], logLikelihood: (p) => bgbbLogLikelihood(p, data) })
}

/** P(alive at the next opportunity | x, t_x, n) (FHS 2010, eq. 11). */
export function bgbbProbabilityAlive({ alpha, beta, gamma, delta }: BgBbParams, x: number, tx: number, n: number): number {
  const all = bgbbLogLikelihood({ alpha, beta, gamma, delta }, { x: Float64Array.of(x), tx: Float64Array.of(tx), T: Float64Array.of(n) })
  const alive = betaln(alpha + x, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n + 1) - betaln(gamma, delta)
  return Math.exp(alive - all)
}
