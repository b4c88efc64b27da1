import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hyp2f1, hyp2f1Fast, logAddExp, logSubExp } from './special.js'

describe('special functions', () => {
  it('hyp2f1Fast agrees with stdlib hyp2f1 to 1e-12 relative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 60, noNaN: true }),
        fc.double({ min: 0.01, max: 60, noNaN: true }),
        fc.double({ min: 0.01, max: 5, noNaN: true }),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        (a, b, extra, z) => {
          const c = a + extra // the models' c exceeds a
          const want = hyp2f1(a, b, c, z)
          const got = hyp2f1Fast(a, b, c, z)
          expect(Math.abs(got - want) / Math.max(Math.abs(want), 1e-300)).toBeLessThan(1e-12)
        },
      ),
    )
  })

  it('adds and subtracts in log space without overflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12)
    expect(logAddExp(-Infinity, 3)).toBe(3)
    expect(logSubExp(Math.log(5), Math.log(3))).toBeCloseTo(Math.log(2), 12)
  })
})

describe('analytic gradients agree with central differences', () => {
  it('for BG/NBD, MBG/NBD, Gamma-Gamma and Pareto/NBD on CDNOW-like data', async () => {
    const { bgnbdGradient, bgnbdLogLikelihood } = await import('./bgnbd.js')
    const { mbgnbdGradient, mbgnbdLogLikelihood } = await import('./mbgnbd.js')
    const { gammaGammaGradient, gammaGammaLogLikelihood } = await import('./gamma-gamma.js')
    const { numericGradient } = await import('./optimize.js')
    const data = { x: Float64Array.of(0, 1, 2, 5, 0, 3), tx: Float64Array.of(0, 10.5, 20, 30.1, 0, 12), T: Float64Array.of(38, 38.8, 30, 35, 20, 39) }
    const at = [0.3, 5, 0.8, 2.5]
    const toP = (p: number[]) => ({ r: p[0]!, alpha: p[1]!, a: p[2]!, b: p[3]! })
    const pairs: [number[], number[]][] = [
      [bgnbdGradient(toP(at), data), numericGradient((p) => bgnbdLogLikelihood(toP(p), data), at)],
      [mbgnbdGradient(toP(at), data), numericGradient((p) => mbgnbdLogLikelihood(toP(p), data), at)],
    ]
    const spend = { x: Float64Array.of(1, 2, 4, 7), zbar: Float64Array.of(12, 30.5, 18, 44) }
    const gg = [2, 3, 15]
    const toG = (p: number[]) => ({ p: p[0]!, q: p[1]!, v: p[2]! })
    pairs.push([gammaGammaGradient(toG(gg), spend), numericGradient((p) => gammaGammaLogLikelihood(toG(p), spend), gg)])
    const { paretoNbdValueAndGradient, paretoNbdLogLikelihood } = await import('./pareto-nbd.js')
    const toPn = (p: number[]) => ({ r: p[0]!, alpha: p[1]!, s: p[2]!, beta: p[3]! })
    for (const pn of [[0.55, 10.6, 0.6, 11.7], [0.8, 12, 0.4, 9]]) {
      // Both branches: alpha < beta and alpha ≥ beta.
      pairs.push([paretoNbdValueAndGradient(toPn(pn), data).gradient, numericGradient((p) => paretoNbdLogLikelihood(toPn(p), data), pn)])
    }
    for (const [analytic, numeric] of pairs) {
      analytic.forEach((g, i) => expect(Math.abs(g - numeric[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric[i]!))))
    }
  })
})
