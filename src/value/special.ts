// The special functions of the models, from stdlib (tested implementations, not ours).
import betaln from '@stdlib/math-base-special-betaln'
import gammaln from '@stdlib/math-base-special-gammaln'
import hyp2f1 from '@stdlib/math-base-special-hyp2f1'

export { betaln, gammaln, hyp2f1 }

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
