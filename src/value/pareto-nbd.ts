import { fitBgNbd, meanT, perFrequency } from './bgnbd.js'
import { fitPositive, type FitResult } from './fit.js'
import { checkRfm, compressRfm, type RfmData } from './rfm-data.js'
import { numericGradient } from './optimize.js'
import { digamma, gammaln, hyp2f1Fast, hyp2f1WithDerivatives, logAddExp, logSubExp } from './special.js'

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

/**
 * Log-likelihood and its gradient in (r, alpha, s, beta) in one pass, the ₂F₁ derivatives from
 * its series (see hyp2f1WithDerivatives). Where a row's ₂F₁ argument exceeds 0.5 the series is
 * not used and the gradient falls back to central differences.
 */
export function paretoNbdValueAndGradient({ r, alpha, s, beta }: ParetoNbdParams, data: RfmData): { value: number; gradient: number[] } {
  const { x, tx, T, weights } = data
  const alphaLarger = alpha >= beta
  const m = alphaLarger ? alpha : beta
  const diff = Math.abs(alpha - beta)
  const psiR = digamma(r)
  const byX = perFrequency(x, (k) => gammaln(r + k) - gammaln(r) + r * Math.log(alpha) + s * Math.log(beta))
  const dRbyX = perFrequency(x, (k) => digamma(r + k) - psiR + Math.log(alpha))
  const g1 = new Float64Array(5) // G(t_x): value, d/dr, d/ds, d/dalpha, d/dbeta
  const g2 = new Float64Array(5) // G(T)
  let ll = 0
  let gr = 0
  let galpha = 0
  let gs = 0
  let gbeta = 0
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!
    const w = weights?.[i] ?? 1
    if (!logTermWithGradient(g1, r, s, alpha, beta, xi, tx[i]!, alphaLarger, m, diff) || !logTermWithGradient(g2, r, s, alpha, beta, xi, T[i]!, alphaLarger, m, diff)) {
      // Outside the series' range: this row by central differences.
      const row = { x: Float64Array.of(xi), tx: Float64Array.of(tx[i]!), T: Float64Array.of(T[i]!) }
      const f = (p: number[]) => paretoNbdLogLikelihood({ r: p[0]!, alpha: p[1]!, s: p[2]!, beta: p[3]! }, row)
      const rowGradient = numericGradient(f, [r, alpha, s, beta])
      ll += w * f([r, alpha, s, beta])
      gr += w * rowGradient[0]!
      galpha += w * rowGradient[1]!
      gs += w * rowGradient[2]!
      gbeta += w * rowGradient[3]!
      continue
    }
    const rsx = r + s + xi
    const rho = Math.exp(g2[0]! - g1[0]!)
    // With t_x = T the second term vanishes (Q = −∞, weight 0); its derivatives are then not used.
    const k = rho < 1 ? 1 / (1 - rho) : 0
    const P = -(r + xi) * Math.log(alpha + T[i]!) - s * Math.log(beta + T[i]!)
    const Q = Math.log(s) - Math.log(rsx) + logSubExp(g1[0]!, g2[0]!)
    const L = logAddExp(P, Q)
    const wP = Math.exp(P - L)
    const wQ = 1 - wP
    ll += w * (byX[xi]! + L)
    gr += w * (dRbyX[xi]! - wP * Math.log(alpha + T[i]!) + wQ * (-1 / rsx + (g1[1]! - rho * g2[1]!) * k))
    gs += w * (Math.log(beta) - wP * Math.log(beta + T[i]!) + wQ * (1 / s - 1 / rsx + (g1[2]! - rho * g2[2]!) * k))
    galpha += w * (r / alpha - (wP * (r + xi)) / (alpha + T[i]!) + wQ * (g1[3]! - rho * g2[3]!) * k)
    gbeta += w * (s / beta - (wP * s) / (beta + T[i]!) + wQ * (g1[4]! - rho * g2[4]!) * k)
  }
  return { value: ll, gradient: [gr, galpha, gs, gbeta] }
}

/**
 * Writes G(t) = ln ₂F₁(…; z(t)) − (r+s+x) ln(m+t) and its derivatives in (r, s, alpha, beta) into
 * `out`; false when the ₂F₁ series does not apply at this argument.
 */
function logTermWithGradient(out: Float64Array, r: number, s: number, alpha: number, beta: number, xi: number, t: number, alphaLarger: boolean, m: number, diff: number): boolean {
  const a1 = r + s + xi
  const f = hyp2f1WithDerivatives(a1, alphaLarger ? s + 1 : r + xi, a1 + 1, diff / (m + t))
  if (!f) return false
  const logMt = Math.log(m + t)
  const fz = f.dz / f.value
  const common = (f.da + f.dc) / f.value - logMt
  const dbTerm = f.db / f.value
  out[0] = Math.log(f.value) - a1 * logMt
  out[1] = common + (alphaLarger ? 0 : dbTerm)
  out[2] = common + (alphaLarger ? dbTerm : 0)
  out[3] = alphaLarger ? (fz * (beta + t)) / ((alpha + t) * (alpha + t)) - a1 / (alpha + t) : -fz / (beta + t)
  out[4] = alphaLarger ? -fz / (alpha + t) : (fz * (alpha + t)) / ((beta + t) * (beta + t)) - a1 / (beta + t)
  return true
}

/** Fits Pareto/NBD by maximum likelihood. */
export function fitParetoNbd(data: RfmData): FitResult<keyof ParetoNbdParams> {
  checkRfm(data)
  const rows = compressRfm(data)
  return fitPositive({
    model: 'pareto',
    n: data.x.length,
    names: NAMES,
    start: startFromBgNbd(data),
    logLikelihood: (p) => paretoNbdLogLikelihood(p, rows),
    valueAndGradient: (p) => paretoNbdValueAndGradient(p, rows),
  })
}

/**
 * A start near the optimum: BG/NBD's purchase process (r, alpha) is Pareto/NBD's, and its
 * drop-out is on the same time scale, so s = 1 and beta = alpha start close; 28 steps become fewer.
 */
function startFromBgNbd(data: RfmData): number[] {
  try {
    const { r, alpha } = fitBgNbd(data).params
    return [r, alpha, 1, alpha]
  } catch {
    return [1, meanT(data), 1, meanT(data)] // BG/NBD did not converge on these data: the generic start
  }
}
