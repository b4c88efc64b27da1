import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'
import { digamma, gammaln, hyp2f1 } from './special.js'

export type BgNbdParams = { r: number; alpha: number; a: number; b: number }
const NAMES = ['r', 'alpha', 'a', 'b'] as const

/**
 * Log-likelihood of the BG/NBD model (Fader, Hardie & Lee 2005, eq. 6).
 *
 * @example
 * bgnbdLogLikelihood({ r: 0.24, alpha: 4.41, a: 0.79, b: 2.43 }, data)
 */
export function bgnbdLogLikelihood(params: BgNbdParams, data: RfmData): number {
  return bgnbdValueAndGradient(params, data, false).value
}

/** Gradient of {@link bgnbdLogLikelihood} in (r, alpha, a, b), derived by hand and checked against central differences in the tests. */
export function bgnbdGradient(params: BgNbdParams, data: RfmData): number[] {
  return bgnbdValueAndGradient(params, data, true).gradient
}

/** Log-likelihood and (when asked) its gradient in one pass over the customers. */
export function bgnbdValueAndGradient(params: BgNbdParams, data: RfmData, withGradient = true): { value: number; gradient: number[] } {
  return betaGeoValueAndGradient(params, data, 'bgnbd', withGradient)
}

/**
 * BG/NBD and MBG/NBD share one likelihood shape; MBG/NBD is BG/NBD with b + 1 in place of b in the
 * beta terms and a drop-out chance already after the first purchase (so x = 0 has two terms too).
 */
export function betaGeoValueAndGradient(
  { r, alpha, a, b }: BgNbdParams,
  data: RfmData,
  variant: 'bgnbd' | 'mbgnbd',
  withGradient: boolean,
): { value: number; gradient: number[] } {
  const { x, tx, T, weights } = data
  const shift = variant === 'mbgnbd' ? 1 : 0
  const constant = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b)
  // Terms that depend on x alone are computed once per distinct x, not once per customer.
  const byX = perFrequency(x, (k) => gammaln(r + k) + gammaln(b + k + shift) - gammaln(a + b + k + shift) + constant)
  const logBx = perFrequency(x, (k) => (k + shift > 0 ? Math.log(b + k - 1 + shift) : 0))
  const psiR = withGradient ? digamma(r) : 0
  const psiAB = withGradient ? digamma(a + b) : 0
  const psiB = withGradient ? digamma(b) : 0
  const dR = withGradient ? perFrequency(x, (k) => digamma(r + k) - psiR + Math.log(alpha)) : byX
  const dA = withGradient ? perFrequency(x, (k) => psiAB - digamma(a + b + k + shift)) : byX
  const dB = withGradient ? perFrequency(x, (k) => psiAB - psiB + digamma(b + k + shift) - digamma(a + b + k + shift)) : byX
  const logA = Math.log(a)
  let ll = 0
  let gr = 0
  let galpha = 0
  let ga = 0
  let gb = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const w = weights?.[i] ?? 1
    const logAT = Math.log(alpha + T[i]!)
    const a3 = -(r + xi) * logAT
    if (xi === 0 && shift === 0) {
      // BG/NBD, never bought again: only the "still alive, no purchase" term.
      ll += w * (byX[0]! + a3)
      if (withGradient) {
        gr += w * (dR[0]! - logAT)
        galpha += w * (r / alpha - r / (alpha + T[i]!))
        ga += w * dA[0]!
        gb += w * dB[0]!
      }
      continue
    }
    const logAtx = Math.log(alpha + tx[i]!)
    const a4 = logA - logBx[xi]! - (r + xi) * logAtx
    const d = a4 - a3
    // log(e^a3 + e^a4) and the share w4 of the "dropped out after the last purchase" term.
    const e = Math.exp(-Math.abs(d))
    ll += w * (byX[xi]! + Math.max(a3, a4) + Math.log1p(e))
    if (withGradient) {
      const w4 = d >= 0 ? 1 / (1 + e) : e / (1 + e)
      const w3 = 1 - w4
      gr += w * (dR[xi]! - w3 * logAT - w4 * logAtx)
      galpha += w * (r / alpha - (w3 * (r + xi)) / (alpha + T[i]!) - (w4 * (r + xi)) / (alpha + tx[i]!))
      ga += w * (dA[xi]! + w4 / a)
      gb += w * (dB[xi]! - w4 / (b + xi - 1 + shift))
    }
  }
  return { value: ll, gradient: [gr, galpha, ga, gb] }
}

/** A table of f(k) for every k from 0 to the largest frequency (frequencies are whole numbers). */
export function perFrequency(x: Float64Array, f: (k: number) => number): Float64Array {
  const max = maxOf(x)
  const table = new Float64Array(max + 1)
  for (let k = 0; k <= max; k++) table[k] = f(k)
  return table
}

/** Fits BG/NBD by maximum likelihood, with the analytic gradient. */
export function fitBgNbd(data: RfmData): FitResult<keyof BgNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  // A large base starts from the fit on an evenly spread sample: near the optimum, the full fit needs few steps.
  const warm = data.x.length > WARM_START_ABOVE ? fitBgNbd(everyNth(data, WARM_START_SAMPLE)) : undefined
  return fitPositive({
    model: 'bgnbd',
    n: data.x.length,
    names: NAMES,
    start: [1, meanT(data), 1, 1],
    logLikelihood: (p) => bgnbdLogLikelihood(p, rows),
    valueAndGradient: (p) => bgnbdValueAndGradient(p, rows),
    warmStart: warm,
  })
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

const WARM_START_ABOVE = 100_000
const WARM_START_SAMPLE = 20_000

/** About `size` customers taken evenly through the data (deterministic). */
export function everyNth(data: RfmData, size: number): RfmData {
  const step = Math.max(1, Math.floor(data.x.length / size))
  const pick = <T extends Float64Array>(a: T) => Float64Array.from({ length: Math.floor(a.length / step) }, (_, i) => a[i * step]!)
  return { x: pick(data.x), tx: pick(data.tx), T: pick(data.T), ...(data.weights ? { weights: pick(data.weights) } : {}) }
}

const maxima = new WeakMap<Float64Array, number>()

/** The largest frequency, found once per array (fits ask for it at every evaluation). */
function maxOf(x: Float64Array): number {
  let max = maxima.get(x)
  if (max === undefined) {
    max = 0
    for (const v of x) if (v > max) max = v
    maxima.set(x, max)
  }
  return max
}

export function meanT(data: RfmData): number {
  let s = 0
  for (const t of data.T) s += t
  return Math.max(s / data.T.length, 1e-3)
}
