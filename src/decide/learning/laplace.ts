/**
 * Bayesian logistic regression with a diagonal Gaussian posterior, updated one outcome at a time by
 * the Laplace approximation (Chapelle & Li 2011, "An Empirical Evaluation of Thompson Sampling",
 * algorithm 3, with batches of one). Weights w ~ N(m, diag(1/q)); features are binary, so an
 * example is the list of its features' indices.
 */

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/**
 * Folds one example into the posterior, in place. The new mean is the mode of prior × likelihood:
 * setting the gradient to 0 gives w = m − g·x/q with g = σ(w·x) − y, so a single number g solves
 * g = σ(a − g·v) − y (a = m·x, v = Σ x²/q), monotone with its one root in (y − 1, y): Newton finds
 * it in a few steps. The precision then adds the likelihood's curvature p(1 − p) at the new mean.
 */
export function laplaceUpdate(m: Float64Array, q: Float64Array, idx: ArrayLike<number>, y: 0 | 1): void {
  let a = 0
  let v = 0
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!
    a += m[i]!
    v += 1 / q[i]!
  }
  let g = sigmoid(a) - y
  for (let step = 0; step < 30; step++) {
    const p = sigmoid(a - g * v)
    const delta = (g - p + y) / (1 + v * p * (1 - p))
    g -= delta
    if (Math.abs(delta) < 1e-12) break
  }
  const p = sigmoid(a - g * v)
  const curvature = p * (1 - p)
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!
    m[i] = m[i]! - g / q[i]!
    q[i] = q[i]! + curvature
  }
}

/** The linear predictor z = w·x under the posterior: its mean and variance (the weights are independent; `v` holds their variances). */
export function linearPredictor(m: Float64Array, v: Float64Array, idx: ArrayLike<number>, unknown: number, priorVariance: number): { mean: number; variance: number } {
  let mean = 0
  let variance = unknown * priorVariance
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!
    mean += m[i]!
    variance += v[i]!
  }
  return { mean, variance }
}

/** E[σ(z)] for z ~ N(μ, s²), by MacKay's probit approximation σ(μ / √(1 + π s² / 8)). */
export function expectedSigmoid(mean: number, variance: number): number {
  return sigmoid(mean / Math.sqrt(1 + (Math.PI * variance) / 8))
}
