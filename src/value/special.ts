// The special functions of the models, from stdlib (tested implementations, not ours).
import betaln from '@stdlib/math-base-special-betaln'
import digamma from '@stdlib/math-base-special-digamma'
import gammaln from '@stdlib/math-base-special-gammaln'
import hyp2f1 from '@stdlib/math-base-special-hyp2f1'

export { betaln, digamma, gammaln, hyp2f1 }

/**
 * ₂F₁(a, b; c; z) for the models' hot loops: for |z| ≤ 0.5 the Gauss series converges in a few
 * dozen terms and is summed directly (checked against stdlib's hyp2f1 in special.test.ts);
 * otherwise stdlib's general implementation answers.
 */
export function hyp2f1Fast(a: number, b: number, c: number, z: number): number {
  if (Math.abs(z) > 0.5) return hyp2f1(a, b, c, z)
  let term = 1
  let sum = 1
  for (let k = 0; k < 500; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1))
    sum += term
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) return sum
  }
  return hyp2f1(a, b, c, z)
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  const m = Math.max(a, b)
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m))
}

/** log(exp(a) − exp(b)) for a ≥ b. */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a
  return a + Math.log1p(-Math.exp(b - a))
}

/** ₂F₁ and its partial derivatives in a, b, c and z, from one pass over the Gauss series. */
export interface Hyp2f1Derivatives {
  value: number
  da: number
  db: number
  dc: number
  dz: number
}

/**
 * ₂F₁(a, b; c; z) with its derivatives, summed term by term: d/da of the k-th term is the term
 * times Σ_{j<k} 1/(a+j), likewise for b, and minus that for c; d/dz is k·term/z. Only for
 * |z| ≤ 0.5, where the series converges fast; returns null otherwise.
 */
export function hyp2f1WithDerivatives(a: number, b: number, c: number, z: number): Hyp2f1Derivatives | null {
  if (Math.abs(z) > 0.5) return null
  let term = 1
  let value = 1
  let sa = 0
  let sb = 0
  let sc = 0
  let da = 0
  let db = 0
  let dc = 0
  let dzTimesZ = 0
  for (let k = 0; k < 500; k++) {
    sa += 1 / (a + k)
    sb += 1 / (b + k)
    sc += 1 / (c + k)
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1))
    value += term
    da += term * sa
    db += term * sb
    dc -= term * sc
    dzTimesZ += term * (k + 1)
    if (Math.abs(term) * (1 + k) <= 1e-16 * Math.abs(value)) {
      return { value, da, db, dc, dz: z === 0 ? (a * b) / c : dzTimesZ / z }
    }
  }
  return null
}
