import { meanT } from './bgnbd.js'
import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'
import { gammaln, hyp2f1Fast, logAddExp, logSubExp } from './special.js'

export type ParetoNbdParams = { r: number; alpha: number; s: number; beta: number }
const NAMES = ['r', 'alpha', 's', 'beta'] as const

/**
 * Log-likelihood of the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), in the form of
 * Fader & Hardie's note 008 (eq. 22), computed in logs.
 */
export function paretoNbdLogLikelihood({ r, alpha, s, beta }: ParetoNbdParams, data: RfmData): number {
  const { x, tx, T, weights } = data
  const maxAB = Math.max(alpha, beta)
  const absDiff = Math.abs(alpha - beta)
  // The hypergeometric argument must be below 1: expand around the larger of alpha and beta.
  const param2 = alpha >= beta ? s + 1 : r
  let ll = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const rsx = r + s + xi
    const p2 = alpha >= beta ? param2 : r + xi
    const logF = (t: number) => Math.log(hyp2f1Fast(rsx, p2, rsx + 1, absDiff / (maxAB + t))) - rsx * Math.log(maxAB + t)
    const logA0 = logSubExp(logF(tx[i]!), logF(T[i]!))
    const first = -(r + xi) * Math.log(alpha + T[i]!) - s * Math.log(beta + T[i]!)
    const second = Math.log(s) - Math.log(rsx) + logA0
    const lli = gammaln(r + xi) - gammaln(r) + r * Math.log(alpha) + s * Math.log(beta) + logAddExp(first, second)
    ll += (weights?.[i] ?? 1) * lli
  }
  return ll
}

/** Fits Pareto/NBD by maximum likelihood. */
export function fitParetoNbd(data: RfmData): FitResult<keyof ParetoNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  return fitPositive('pareto', data.x.length, NAMES, (p) => paretoNbdLogLikelihood({ r: p[0]!, alpha: p[1]!, s: p[2]!, beta: p[3]! }, rows), [1, meanT(data), 1, meanT(data)])
}
