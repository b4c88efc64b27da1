import { meanT, perFrequency } from './bgnbd.js'
import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'
import { digamma, gammaln } from './special.js'

export type MbgNbdParams = { r: number; alpha: number; a: number; b: number }
const NAMES = ['r', 'alpha', 'a', 'b'] as const

/**
 * Log-likelihood of the MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a
 * customer may also drop out right after the first purchase, so x = 0 customers can be inactive.
 */
export function mbgnbdLogLikelihood(params: MbgNbdParams, data: RfmData): number {
  return mbgnbdValueAndGradient(params, data, false).value
}

/** Gradient of {@link mbgnbdLogLikelihood} in (r, alpha, a, b). */
export function mbgnbdGradient(params: MbgNbdParams, data: RfmData): number[] {
  return mbgnbdValueAndGradient(params, data, true).gradient
}

/** Log-likelihood and (when asked) its gradient in one pass over the customers. */
export function mbgnbdValueAndGradient({ r, alpha, a, b }: MbgNbdParams, data: RfmData, withGradient = true): { value: number; gradient: number[] } {
  const { x, tx, T, weights } = data
  const constant = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b)
  const byX = perFrequency(x, (k) => gammaln(r + k) + gammaln(b + k + 1) - gammaln(a + b + k + 1) + constant)
  const logBx = perFrequency(x, (k) => Math.log(b + k))
  const psiR = withGradient ? digamma(r) : 0
  const psiAB = withGradient ? digamma(a + b) : 0
  const psiB = withGradient ? digamma(b) : 0
  const dR = withGradient ? perFrequency(x, (k) => digamma(r + k) - psiR + Math.log(alpha)) : byX
  const dA = withGradient ? perFrequency(x, (k) => psiAB - digamma(a + b + k + 1)) : byX
  const dB = withGradient ? perFrequency(x, (k) => psiAB - psiB + digamma(b + k + 1) - digamma(a + b + k + 1)) : byX
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
    const logAtx = Math.log(alpha + tx[i]!)
    const a3 = -(r + xi) * logAT
    const a4 = logA - logBx[xi]! - (r + xi) * logAtx
    const d = a4 - a3
    const e = Math.exp(-Math.abs(d))
    ll += w * (byX[xi]! + Math.max(a3, a4) + Math.log1p(e))
    if (withGradient) {
      const w4 = d >= 0 ? 1 / (1 + e) : e / (1 + e)
      const w3 = 1 - w4
      gr += w * (dR[xi]! - w3 * logAT - w4 * logAtx)
      galpha += w * (r / alpha - (w3 * (r + xi)) / (alpha + T[i]!) - (w4 * (r + xi)) / (alpha + tx[i]!))
      ga += w * (dA[xi]! + w4 / a)
      gb += w * (dB[xi]! - w4 / (b + xi))
    }
  }
  return { value: ll, gradient: [gr, galpha, ga, gb] }
}

/** Fits MBG/NBD by maximum likelihood, with the analytic gradient. */
export function fitMbgNbd(data: RfmData): FitResult<keyof MbgNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  const toParams = (p: number[]) => ({ r: p[0]!, alpha: p[1]!, a: p[2]!, b: p[3]! })
  return fitPositive(
    'mbgnbd',
    data.x.length,
    NAMES,
    (p) => mbgnbdLogLikelihood(toParams(p), rows),
    [1, meanT(data), 1, 1],
    (p) => mbgnbdGradient(toParams(p), rows),
    (p) => mbgnbdValueAndGradient(toParams(p), rows),
  )
}
