import { describe, expect, it } from 'vitest'
import { expectedSigmoid, laplaceUpdate, sigmoid } from './laplace.js'
import { randomSource } from './random.js'

/** The posterior mode of logistic regression with a N(0, 1/q0) prior on every weight, by Newton's method on the whole data (the reference). */
function batchMap(rows: { idx: number[]; y: 0 | 1 }[], dims: number, q0: number, prior: number[]): number[] {
  let w = [...prior]
  for (let iter = 0; iter < 50; iter++) {
    const g = w.map((wi, i) => q0 * (wi - prior[i]!))
    const h = Array.from({ length: dims }, (_, i) => Array.from({ length: dims }, (_, j) => (i === j ? q0 : 0)))
    for (const r of rows) {
      const p = sigmoid(r.idx.reduce((s, i) => s + w[i]!, 0))
      for (const i of r.idx) {
        g[i]! += p - r.y
        for (const j of r.idx) h[i]![j]! += p * (1 - p)
      }
    }
    w = w.map((wi, i) => wi - solve(h, g)[i]!)
    if (Math.max(...g.map(Math.abs)) < 1e-9) break
  }
  return w
}

/** Gaussian elimination (the reference's Newton step). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]!])
  for (let c = 0; c < n; c++) {
    const p = m.reduce((best, row, r) => (r >= c && Math.abs(row[c]!) > Math.abs(m[best]![c]!) ? r : best), c)
    ;[m[c], m[p]] = [m[p]!, m[c]!]
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = m[r]![c]! / m[c]![c]!
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!
    }
  }
  return m.map((row, i) => row[n]! / row[i]!)
}

describe('the Laplace update of Bayesian logistic regression', () => {
  it('moves the mean to the mode of prior × likelihood and adds the curvature there', () => {
    const m = Float64Array.from([0.3, -1, 2])
    const q = Float64Array.from([1, 4, 0.5])
    const [m0, q0] = [Float64Array.from(m), Float64Array.from(q)]
    laplaceUpdate(m, q, [0, 2], 1)
    const p = sigmoid(m[0]! + m[2]!)
    // The gradient of ½ Σ q0 (w − m0)² − log σ(w·x) vanishes at the new mean, for every weight.
    for (const i of [0, 2]) expect(q0[i]! * (m[i]! - m0[i]!) + (p - 1)).toBeCloseTo(0, 10)
    expect(m[1]).toBe(m0[1]) // a feature that is 0 is untouched
    for (const i of [0, 2]) expect(q[i]).toBeCloseTo(q0[i]! + p * (1 - p), 12)
  })

  it('recovers the true response rates of simulated customers, as the batch posterior mode does', () => {
    // Intercept, 3 segments and 2 day parts; the true rate of each cell is known.
    const truth = [-3, 0, 0.8, 1.6, 0, -0.7]
    const random = randomSource(11)
    const rows: { idx: number[]; y: 0 | 1 }[] = []
    for (let i = 0; i < 20_000; i++) {
      const idx = [0, 1 + random.int(0, 2), 4 + random.int(0, 1)]
      rows.push({ idx, y: random.next() < sigmoid(idx.reduce((s, j) => s + truth[j]!, 0)) ? 1 : 0 })
    }
    const prior = [Math.log(1 / 19), 0, 0, 0, 0, 0]
    const m = Float64Array.from(prior)
    const q = new Float64Array(6).fill(1)
    for (const r of rows) laplaceUpdate(m, q, r.idx, r.y)
    const map = batchMap(rows, 6, 1, prior)
    for (const segment of [1, 2, 3]) {
      for (const part of [4, 5]) {
        const rate = (w: ArrayLike<number>) => sigmoid(w[0]! + w[segment]! + w[part]!)
        expect(Math.abs(rate(m) - rate(map))).toBeLessThan(0.01)
        expect(Math.abs(rate(m) - rate(truth))).toBeLessThan(0.02)
      }
    }
  })

  it('expects σ(z) under a normal z as the probit approximation says, within 0.02 of Monte Carlo', () => {
    const random = randomSource(3)
    for (const [mean, variance] of [[0, 1], [-2, 4], [1.5, 0.25]] as const) {
      let sum = 0
      for (let i = 0; i < 100_000; i++) sum += sigmoid(mean + Math.sqrt(variance) * random.normal())
      expect(Math.abs(expectedSigmoid(mean, variance) - sum / 100_000)).toBeLessThan(0.02)
    }
  })
})
