/**
 * Minimizes a smooth function with BFGS and a backtracking (Armijo) line search, using central
 * differences where no analytic gradient is given. Deterministic: no randomness anywhere.
 * Models fit their parameters on a log scale, so the search is unconstrained.
 */
export interface MinimizeResult {
  x: number[]
  fx: number
  iterations: number
  converged: boolean
  gradientNorm: number
  /** The final inverse-Hessian approximation: a warm start for a related problem. */
  inverseHessian: number[][]
}

export interface MinimizeOptions {
  /** Start from this inverse-Hessian approximation instead of the identity. */
  initialInverseHessian?: number[][]
  gradient?: (x: number[]) => number[]
  maxIterations?: number
  /** Stop when the gradient's largest component is below this. */
  gradientTolerance?: number
}

export function minimizeBfgs(f: (x: number[]) => number, x0: number[], opts: MinimizeOptions = {}): MinimizeResult {
  const n = x0.length
  const grad = opts.gradient ?? ((x: number[]) => numericGradient(f, x))
  const maxIterations = opts.maxIterations ?? 500
  const tolerance = opts.gradientTolerance ?? 1e-6
  let x = [...x0]
  let fx = f(x)
  let g = grad(x)
  let H = opts.initialInverseHessian?.map((row) => [...row]) ?? identity(n) // inverse Hessian approximation
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    if (norm(g) < tolerance) return { x, fx, iterations, converged: true, gradientNorm: norm(g), inverseHessian: H }
    let d = H.map((row) => -dot(row, g))
    if (dot(d, g) >= 0) {
      H = identity(n) // not a descent direction: restart from steepest descent
      d = g.map((v) => -v)
    }
    let step = 1
    let xNew = x
    let fNew = fx
    for (let k = 0; k < 60; k++) {
      xNew = x.map((v, i) => v + step * d[i]!)
      fNew = f(xNew)
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * dot(g, d)) break
      step /= 2
    }
    // No decrease at all: the optimum is reached to the resolution of f (a sum over a million
    // customers has no more digits), though the gradient's rounding may stay above the tolerance.
    // Taking the same point again would repeat this line search up to maxIterations times.
    if (!Number.isFinite(fNew) || !(fNew < fx)) return { x, fx, iterations, converged: norm(g) < tolerance * 1e3, gradientNorm: norm(g), inverseHessian: H }
    const gNew = grad(xNew)
    const s = xNew.map((v, i) => v - x[i]!)
    const y = gNew.map((v, i) => v - g[i]!)
    const sy = dot(s, y)
    if (sy > 1e-12) {
      const Hy = H.map((row) => dot(row, y))
      const yHy = dot(y, Hy)
      H = H.map((row, i) => row.map((h, j) => h + ((sy + yHy) * s[i]! * s[j]!) / (sy * sy) - (Hy[i]! * s[j]! + s[i]! * Hy[j]!) / sy))
    }
    x = xNew
    fx = fNew
    g = gNew
  }
  return { x, fx, iterations, converged: norm(g) < tolerance, gradientNorm: norm(g), inverseHessian: H }
}

/** Central-difference gradient. */
export function numericGradient(f: (x: number[]) => number, x: number[]): number[] {
  return x.map((v, i) => {
    const h = 1e-6 * Math.max(1, Math.abs(v))
    const up = [...x]
    const down = [...x]
    up[i] = v + h
    down[i] = v - h
    return (f(up) - f(down)) / (2 * h)
  })
}

/** Central-difference Hessian. */
export function numericHessian(f: (x: number[]) => number, x: number[]): number[][] {
  const n = x.length
  const h = x.map((v) => 1e-4 * Math.max(1, Math.abs(v)))
  const at = (di: number, dj: number, i: number, j: number) => {
    const p = [...x]
    p[i] = p[i]! + di * h[i]!
    p[j] = p[j]! + dj * h[j]!
    return f(p)
  }
  const H: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = (at(1, 1, i, j) - at(1, -1, i, j) - at(-1, 1, i, j) + at(-1, -1, i, j)) / (4 * h[i]! * h[j]!)
      H[i]![j] = value
      H[j]![i] = value
    }
  }
  return H
}

/**
 * Forward-difference Jacobian of a vector function (the Hessian, when it is a gradient), symmetrized:
 * n + 1 evaluations. Accurate to ~1e-6 relative for smooth gradients, plenty for standard errors.
 */
export function jacobianOf(g: (x: number[]) => number[], x: number[]): number[][] {
  const n = x.length
  const J: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  const g0 = g(x)
  for (let j = 0; j < n; j++) {
    const h = 1e-7 * Math.max(1, Math.abs(x[j]!))
    const up = [...x]
    up[j] = x[j]! + h
    const gu = g(up)
    for (let i = 0; i < n; i++) J[i]![j] = (gu[i]! - g0[i]!) / h
  }
  return J.map((row, i) => row.map((v, j) => (v + J[j]![i]!) / 2))
}

/** Inverse of a small symmetric positive-definite matrix (Gauss-Jordan); null when singular. */
export function invert(matrix: number[][]): number[][] | null {
  const n = matrix.length
  const a = matrix.map((row, i) => [...row, ...identity(n)[i]!])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r
    if (Math.abs(a[pivot]![col]!) < 1e-300) return null
    ;[a[col], a[pivot]] = [a[pivot]!, a[col]!]
    const p = a[col]![col]!
    a[col] = a[col]!.map((v) => v / p)
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const factor = a[r]![col]!
      a[r] = a[r]!.map((v, k) => v - factor * a[col]![k]!)
    }
  }
  return a.map((row) => row.slice(n))
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))
}

function dot(a: number[], b: number[]): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

function norm(v: number[]): number {
  return Math.max(...v.map(Math.abs))
}
