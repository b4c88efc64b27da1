import { meanT } from './bgnbd.js'
import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, type RfmData } from './rfm-data.js'
import { gammaln, logAddExp } from './special.js'

export type MbgNbdParams = { r: number; alpha: number; a: number; b: number }
const NAMES = ['r', 'alpha', 'a', 'b'] as const

/**
 * Log-likelihood of the MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a
 * customer may also drop out right after the first purchase, so x = 0 customers can be inactive.
 */
export function mbgnbdLogLikelihood({ r, alpha, a, b }: MbgNbdParams, data: RfmData): number {
  const { x, tx, T, weights } = data
  const constant = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b)
  let ll = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const a12 = gammaln(r + xi) + gammaln(b + xi + 1) - gammaln(a + b + xi + 1) + constant
    const a3 = -(r + xi) * Math.log(alpha + T[i]!)
    const a4 = Math.log(a) - Math.log(b + xi) - (r + xi) * Math.log(alpha + tx[i]!)
    ll += (weights?.[i] ?? 1) * (a12 + logAddExp(a3, a4))
  }
  return ll
}

/** Fits MBG/NBD by maximum likelihood. */
export function fitMbgNbd(data: RfmData): FitResult<keyof MbgNbdParams> {
  checkRfm(data)
  return fitPositive('mbgnbd', data.x.length, NAMES, (p) => mbgnbdLogLikelihood({ r: p[0]!, alpha: p[1]!, a: p[2]!, b: p[3]! }, data), [1, meanT(data), 1, 1])
}
