import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, type RfmData } from './rfm-data.js'
import { gammaln, hyp2f1, logAddExp } from './special.js'

export type BgNbdParams = { r: number; alpha: number; a: number; b: number }
const NAMES = ['r', 'alpha', 'a', 'b'] as const

/**
 * Log-likelihood of the BG/NBD model (Fader, Hardie & Lee 2005, eq. 6).
 *
 * @example
 * bgnbdLogLikelihood({ r: 0.24, alpha: 4.41, a: 0.79, b: 2.43 }, data)
 */
export function bgnbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, data: RfmData): number {
  const { x, tx, T, weights } = data
  const constant = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b)
  let ll = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const a12 = gammaln(r + xi) + gammaln(b + xi) - gammaln(a + b + xi) + constant
    const a3 = -(r + xi) * Math.log(alpha + T[i]!)
    const a4 = xi > 0 ? Math.log(a) - Math.log(b + xi - 1) - (r + xi) * Math.log(alpha + tx[i]!) : -Infinity
    ll += (weights?.[i] ?? 1) * (a12 + logAddExp(a3, a4))
  }
  return ll
}

/** Fits BG/NBD by maximum likelihood. */
export function fitBgNbd(data: RfmData): FitResult<keyof BgNbdParams> {
  checkRfm(data)
  return fitPositive('bgnbd', data.x.length, NAMES, (p) => bgnbdLogLikelihood(toParams(p), data), [1, meanT(data), 1, 1])
}

/** P(alive | x, t_x, T) under BG/NBD. */
export function bgnbdProbabilityAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1
  return 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x))
}

/** Expected purchases in the next t periods of a customer with (x, t_x, T) (FHL 2005, eq. 10). */
export function bgnbdConditionalExpected({ r, alpha, a, b }: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
  const first = ((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp)
  const denom = 1 + (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0)
  return first / denom
}

/** Expected purchases in (0, t] of a new customer (FHL 2005, eq. 7). */
export function bgnbdUnconditionalExpected({ r, alpha, a, b }: BgNbdParams, t: number): number {
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
}

function toParams(p: number[]): BgNbdParams {
  return { r: p[0]!, alpha: p[1]!, a: p[2]!, b: p[3]! }
}

export function meanT(data: RfmData): number {
  let s = 0
  for (const t of data.T) s += t
  return Math.max(s / data.T.length, 1e-3)
}
