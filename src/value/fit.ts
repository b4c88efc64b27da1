import { AppError } from '../core/errors.js'
import { invert, jacobianOf, minimizeBfgs, numericHessian } from './optimize.js'

export interface FitResult<P extends string> {
  model: string
  n: number
  params: Record<P, number>
  standardErrors: Record<P, number>
  logLikelihood: number
  iterations: number
}

/** What {@link fitPositive} fits: the model's functions take its parameters by name. */
export interface FitSpec<P extends string> {
  model: string
  /** Customers the likelihood sums over (the objective is the mean). */
  n: number
  names: readonly P[]
  /** Starting values, in the order of `names`. */
  start: number[]
  logLikelihood: (params: Record<P, number>) => number
  /** The analytic gradient; derived from `valueAndGradient` when only that is given. */
  gradient?: (params: Record<P, number>) => number[]
  /** Value and gradient in one pass over the data; the optimizer asks for both at each point it keeps. */
  valueAndGradient?: (params: Record<P, number>) => { value: number; gradient: number[] }
  /** A fit of the same model on a sample: its optimum and curvature start this one. */
  warmStart?: FitResult<P> | undefined
}

/**
 * Maximum-likelihood fit of positive parameters: BFGS on their logarithms, standard errors from
 * the inverse Hessian of the negative log-likelihood at the optimum (natural scale).
 * A fit that does not converge throws MODEL_NOT_CONVERGED; it never returns NaN silently.
 */
export function fitPositive<P extends string>(spec: FitSpec<P>): FitResult<P> {
  const { model, n, names, start, warmStart } = spec
  const named = (values: number[]) => Object.fromEntries(names.map((k, i) => [k, values[i]!])) as Record<P, number>
  const logLikelihood = (values: number[]) => spec.logLikelihood(named(values))
  const valueAndGradient = spec.valueAndGradient ? (values: number[]) => spec.valueAndGradient!(named(values)) : undefined
  const gradient = spec.gradient
    ? (values: number[]) => spec.gradient!(named(values))
    : valueAndGradient
      ? (values: number[]) => valueAndGradient(values).gradient
      : undefined
  let memo: { logParams: number[]; value: number; gradient: number[] } | null = null
  const both = (logParams: number[]) => {
    if (!memo || memo.logParams.some((v, i) => v !== logParams[i])) {
      memo = { logParams: [...logParams], ...valueAndGradient!(logParams.map(Math.exp)) }
    }
    return memo
  }
  const negLogLik = (logParams: number[]) => {
    const ll = valueAndGradient ? both(logParams).value : logLikelihood(logParams.map(Math.exp))
    return Number.isFinite(ll) ? -ll / n : Infinity
  }
  const negGradient = gradient
    ? (logParams: number[]) => {
        const params = logParams.map(Math.exp)
        return (valueAndGradient ? both(logParams).gradient : gradient(params)).map((g, i) => (-g * params[i]!) / n)
      }
    : undefined
  const warmCurvature = warmStart ? curvatures.get(warmStart) : undefined
  const result = minimizeBfgs(negLogLik, (warmStart ? names.map((k) => warmStart.params[k]) : start).map(Math.log), {
    maxIterations: 1000,
    gradientTolerance: 1e-7,
    ...(negGradient ? { gradient: negGradient } : {}),
    // The objective is the mean negative log-likelihood, so a sample's curvature fits the whole data too.
    ...(warmCurvature ? { initialInverseHessian: warmCurvature } : {}),
  })
  const params = result.x.map(Math.exp)
  const ll = logLikelihood(params)
  if (!result.converged || !Number.isFinite(ll) || params.some((p) => !Number.isFinite(p))) {
    throw new AppError(
      'MODEL_NOT_CONVERGED',
      `${model} fit did not converge after ${result.iterations} iterations (gradient ${result.gradientNorm.toExponential(2)}, log-likelihood ${ll}); the data may not follow the model or be too few`,
    )
  }
  const hessian = gradient
    ? jacobianOf((p) => gradient(p).map((g) => -g), params)
    : numericHessian((p) => -logLikelihood(p), params)
  const covariance = invert(hessian)
  const se = params.map((_, i) => {
    const v = covariance?.[i]?.[i]
    return v !== undefined && v > 0 ? Math.sqrt(v) : NaN
  })
  const fit: FitResult<P> = {
    model,
    n,
    params: named(params),
    standardErrors: named(se),
    logLikelihood: ll,
    iterations: result.iterations,
  }
  curvatures.set(fit, result.inverseHessian)
  return fit
}

/** The optimizer's last inverse-Hessian of each fit, kept beside it for warm starts (not part of the result). */
const curvatures = new WeakMap<object, number[][]>()
