import { AppError } from '../core/errors.js'
import { fitPositive, type FitResult } from './fit.js'
import { perFrequency } from './bgnbd.js'
import { digamma, gammaln } from './special.js'

export type GammaGammaParams = { p: number; q: number; v: number }
const NAMES = ['p', 'q', 'v'] as const

/** Repeat buyers' number of repeat purchases x and their mean value zbar. */
export interface SpendData {
  x: Float64Array
  zbar: Float64Array
}

/** Log-likelihood of the Gamma-Gamma spend model (Fader & Hardie 2013, note 025). */
export function gammaGammaLogLikelihood({ p, q, v }: GammaGammaParams, data: SpendData): number {
  // The gamma terms depend on x alone: once per distinct frequency.
  const byX = perFrequency(data.x, (x) => (x === 0 ? 0 : gammaln(p * x + q) - gammaln(p * x)))
  const constant = -gammaln(q) + q * Math.log(v)
  let ll = 0
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!
    const z = data.zbar[i]!
    ll += byX[x]! + constant + (p * x - 1) * Math.log(z) + p * x * Math.log(x) - (p * x + q) * Math.log(x * z + v)
  }
  return ll
}

/** Gradient of {@link gammaGammaLogLikelihood} in (p, q, v). */
export function gammaGammaGradient({ p, q, v }: GammaGammaParams, data: SpendData): [number, number, number] {
  const psiQ = digamma(q)
  const psiPxq = perFrequency(data.x, (x) => digamma(p * x + q))
  const psiPx = perFrequency(data.x, (x) => (x === 0 ? 0 : digamma(p * x)))
  const logV = Math.log(v)
  let gp = 0
  let gq = 0
  let gv = 0
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!
    const z = data.zbar[i]!
    const logXzv = Math.log(x * z + v)
    gp += x * (psiPxq[x]! - psiPx[x]! + Math.log(z * x) - logXzv)
    gq += psiPxq[x]! - psiQ + logV - logXzv
    gv += q / v - (p * x + q) / (x * z + v)
  }
  return [gp, gq, gv]
}

/** Fits Gamma-Gamma on repeat buyers (x > 0, zbar > 0), with the analytic gradient. */
export function fitGammaGamma(data: SpendData): FitResult<keyof GammaGammaParams> {
  checkSpend(data)
  return fitPositive({
    model: 'gammagamma',
    n: data.x.length,
    names: NAMES,
    start: [1, 1, 1],
    logLikelihood: (p) => gammaGammaLogLikelihood(p, data),
    gradient: (p) => gammaGammaGradient(p, data),
  })
}

/** E[mean spend | x, zbar]: a weighted mean of the customer's own average and the population's. */
export function gammaGammaExpectedSpend({ p, q, v }: GammaGammaParams, x: number, zbar: number): number {
  return (p * (v + x * zbar)) / (p * x + q - 1)
}

function checkSpend(data: SpendData): void {
  if (data.x.length < 10) throw new AppError('VALUE_INPUT_INVALID', `Gamma-Gamma needs at least 10 repeat buyers, got ${data.x.length}`)
  for (let i = 0; i < data.x.length; i++) {
    if (!(data.x[i]! > 0)) throw new AppError('VALUE_INPUT_INVALID', `row ${i + 1}: Gamma-Gamma takes repeat buyers only (frequency > 0), got ${data.x[i]}`)
    if (!(data.zbar[i]! > 0)) throw new AppError('VALUE_INPUT_INVALID', `row ${i + 1}: monetary value must be positive, got ${data.zbar[i]}`)
  }
}
