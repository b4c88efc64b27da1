import { betaGeoValueAndGradient, meanT } from './bgnbd.js'
import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'

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
export function mbgnbdValueAndGradient(params: MbgNbdParams, data: RfmData, withGradient = true): { value: number; gradient: number[] } {
  return betaGeoValueAndGradient(params, data, 'mbgnbd', withGradient)
}

/** Fits MBG/NBD by maximum likelihood, with the analytic gradient. */
export function fitMbgNbd(data: RfmData): FitResult<keyof MbgNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  return fitPositive({
    model: 'mbgnbd',
    n: data.x.length,
    names: NAMES,
    start: [1, meanT(data), 1, 1],
    logLikelihood: (p) => mbgnbdLogLikelihood(p, rows),
    valueAndGradient: (p) => mbgnbdValueAndGradient(p, rows),
  })
}
