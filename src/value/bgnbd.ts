import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'
import { digamma, gammaln, hyp2f1, logAddExp } from './special.js'

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
  // The gamma terms depend on x alone: computed once per distinct x, not once per customer.
  const byX = perFrequency(x, (k) => gammaln(r + k) + gammaln(b + k) - gammaln(a + b + k) + constant)
  const logA = Math.log(a)
  let ll = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const a3 = -(r + xi) * Math.log(alpha + T[i]!)
    const a4 = xi > 0 ? logA - Math.log(b + xi - 1) - (r + xi) * Math.log(alpha + tx[i]!) : -Infinity
    ll += (weights?.[i] ?? 1) * (byX[xi]! + logAddExp(a3, a4))
  }
  return ll
}

/** Gradient of {@link bgnbdLogLikelihood} in (r, alpha, a, b), derived by hand and checked against central differences in the tests. */
export function bgnbdGradient({ r, alpha, a, b }: BgNbdParams, data: RfmData): [number, number, number, number] {
  const { x, tx, T, weights } = data
  const psiR = digamma(r)
  const psiAB = digamma(a + b)
  const psiB = digamma(b)
  const dR = perFrequency(x, (k) => digamma(r + k) - psiR + Math.log(alpha))
  const dA = perFrequency(x, (k) => psiAB - digamma(a + b + k))
  const dB = perFrequency(x, (k) => psiAB - psiB + digamma(b + k) - digamma(a + b + k))
  const logA = Math.log(a)
  let gr = 0
  let galpha = 0
  let ga = 0
  let gb = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const w = weights?.[i] ?? 1
    const logAT = Math.log(alpha + T[i]!)
    let w4 = 0
    let logAtx = 0
    if (xi > 0) {
      logAtx = Math.log(alpha + tx[i]!)
      const a3 = -(r + xi) * logAT
      const a4 = logA - Math.log(b + xi - 1) - (r + xi) * logAtx
      w4 = 1 / (1 + Math.exp(a3 - a4)) // share of the "dropped out after the last purchase" term
    }
    const w3 = 1 - w4
    gr += w * (dR[xi]! - w3 * logAT - w4 * logAtx)
    galpha += w * (r / alpha - (w3 * (r + xi)) / (alpha + T[i]!) - (xi > 0 ? (w4 * (r + xi)) / (alpha + tx[i]!) : 0))
    ga += w * (dA[xi]! + (xi > 0 ? w4 / a : 0))
    gb += w * (dB[xi]! - (xi > 0 ? w4 / (b + xi - 1) : 0))
  }
  return [gr, galpha, ga, gb]
}

/** A table of f(k) for every k from 0 to the largest frequency (frequencies are whole numbers). */
export function perFrequency(x: Float64Array, f: (k: number) => number): Float64Array {
  let max = 0
  for (const v of x) if (v > max) max = v
  const table = new Float64Array(max + 1)
  for (let k = 0; k <= max; k++) table[k] = f(k)
  return table
}

/** Fits BG/NBD by maximum likelihood, with the analytic gradient. */
export function fitBgNbd(data: RfmData): FitResult<keyof BgNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  return fitPositive(
    'bgnbd',
    data.x.length,
    NAMES,
    (p) => bgnbdLogLikelihood(toParams(p), rows),
    [1, meanT(data), 1, 1],
    (p) => bgnbdGradient(toParams(p), rows),
  )
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
