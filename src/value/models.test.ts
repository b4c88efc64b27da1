import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AppError } from '../core/errors.js'
import { bgbbProbabilityAlive, fitBgBb } from './bgbb.js'
import { bgnbdConditionalExpected, bgnbdProbabilityAlive, bgnbdUnconditionalExpected, fitBgNbd } from './bgnbd.js'
import { fitGammaGamma, gammaGammaExpectedSpend } from './gamma-gamma.js'
import { fitMbgNbd } from './mbgnbd.js'
import { fitParetoNbd } from './pareto-nbd.js'
import type { RfmData } from './rfm-data.js'
import { buildSummaries } from './summary.js'

// The published results quoted here are listed with their sources in data/cdnow/SOURCE.md and data/donations-bgbb/SOURCE.md.
const csv = (file: string) => readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map(Number))
const cdnow = csv('data/cdnow/cdnow_customers_summary_with_transactions.csv') // ID,x,t_x,T,zbar (weeks)
const cdnowRfm: RfmData = { x: Float64Array.from(cdnow, (r) => r[1]!), tx: Float64Array.from(cdnow, (r) => r[2]!), T: Float64Array.from(cdnow, (r) => r[3]!) }
const closeTo = (got: number, want: number, relative = 1e-3) => expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(relative)

describe('BG/NBD on CDNOW (Fader, Hardie & Lee 2005)', () => {
  const fit = fitBgNbd(cdnowRfm)
  it('reproduces the published parameters and log-likelihood', () => {
    closeTo(fit.params.r, 0.2426)
    closeTo(fit.params.alpha, 4.4135)
    closeTo(fit.params.a, 0.7929)
    closeTo(fit.params.b, 2.4258)
    expect(fit.logLikelihood).toBeCloseTo(-9582.43, 1)
    expect(fit.n).toBe(2357)
  })
  it('gives the standard errors lifetimes reports', () => {
    closeTo(fit.standardErrors.r, 0.012557, 1e-2)
    closeTo(fit.standardErrors.alpha, 0.378221, 1e-2)
    closeTo(fit.standardErrors.a, 0.185719, 1e-2)
    closeTo(fit.standardErrors.b, 0.705345, 1e-2)
  })
  it('predicts customer 1 (x=2, t_x=30.43, T=38.86): 1.2259 purchases in 39 weeks, P(alive) 0.7266', () => {
    expect(bgnbdConditionalExpected(fit.params, 39, 2, 30.43, 38.86)).toBeCloseTo(1.2259, 3)
    expect(bgnbdProbabilityAlive(fit.params, 2, 30.43, 38.86)).toBeCloseTo(0.7266, 3)
  })
  it("matches Hardie's unconditional E[X(t)]", () => {
    const ts = [0.1429, 1, 3, 31.8571, 32, 78]
    const want = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    ts.forEach((t, i) => expect(bgnbdUnconditionalExpected(fit.params, t)).toBeCloseTo(want[i]!, 3))
  })
  it('never predicts negative purchases or a probability outside [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 80, noNaN: true }), fc.double({ min: 0.1, max: 100, noNaN: true }), (x, share, T, t) => {
        const tx = x === 0 ? 0 : share * T
        expect(bgnbdConditionalExpected(fit.params, t, x, tx, T)).toBeGreaterThanOrEqual(0)
        const alive = bgnbdProbabilityAlive(fit.params, x, tx, T)
        expect(alive).toBeGreaterThanOrEqual(0)
        expect(alive).toBeLessThanOrEqual(1)
      }),
    )
  })
})

describe('Pareto/NBD on CDNOW', () => {
  it('reproduces r = 0.5533, alpha = 10.578, s = 0.6062, beta = 11.667, LL −9594.97', () => {
    const fit = fitParetoNbd(cdnowRfm)
    closeTo(fit.params.r, 0.5533)
    closeTo(fit.params.alpha, 10.578)
    closeTo(fit.params.s, 0.6062)
    closeTo(fit.params.beta, 11.667)
    expect(fit.logLikelihood).toBeCloseTo(-9594.97, 1)
  })
})

describe('MBG/NBD on CDNOW (BTYDplus)', () => {
  it('reproduces r = 0.525, alpha = 6.183, a = 0.891, b = 1.614', () => {
    const fit = fitMbgNbd(cdnowRfm)
    expect(fit.params.r).toBeCloseTo(0.525, 3)
    expect(fit.params.alpha).toBeCloseTo(6.183, 2)
    expect(fit.params.a).toBeCloseTo(0.891, 3)
    expect(fit.params.b).toBeCloseTo(1.614, 2)
  })
})

describe('Gamma-Gamma on the 946 CDNOW repeat buyers (Fader & Hardie 2013)', () => {
  const repeat = cdnow.filter((r) => r[1]! > 0)
  const fit = fitGammaGamma({ x: Float64Array.from(repeat, (r) => r[1]!), zbar: Float64Array.from(repeat, (r) => r[4]!) })
  it('reproduces p = 6.2488, q = 3.7446, v = 15.4477', () => {
    expect(fit.n).toBe(946)
    closeTo(fit.params.p, 6.2488)
    closeTo(fit.params.q, 3.7446)
    closeTo(fit.params.v, 15.4477)
  })
  it("gives Hardie's conditional expected spend for customers 1–10", () => {
    const want = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    const first10 = cdnow.slice(0, 10).map((r) => (r[1]! > 0 ? gammaGammaExpectedSpend(fit.params, r[1]!, r[4]!) : gammaGammaExpectedSpend(fit.params, 0, 0)))
    first10.forEach((got, i) => expect(Math.abs(got - want[i]!)).toBeLessThan(0.1))
  })
})

describe('BG/BB on the donations (Fader, Hardie & Shang 2010)', () => {
  const d = csv('data/donations-bgbb/donations.csv')
  const fit = fitBgBb({ x: Float64Array.from(d, (r) => r[0]!), tx: Float64Array.from(d, (r) => r[1]!), T: Float64Array.from(d, (r) => r[2]!), weights: Float64Array.from(d, (r) => r[3]!) })
  it('reproduces alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783', () => {
    expect(fit.n).toBe(11104)
    expect(fit.params.alpha).toBeCloseTo(1.204, 2)
    expect(fit.params.beta).toBeCloseTo(0.75, 2)
    expect(fit.params.gamma).toBeCloseTo(0.657, 2)
    expect(fit.params.delta).toBeCloseTo(2.783, 2)
  })
  it('gives P(alive) 0.11, 0.59 and 0.93 of Table 6', () => {
    expect(bgbbProbabilityAlive(fit.params, 0, 0, 6)).toBeCloseTo(0.11, 2)
    expect(bgbbProbabilityAlive(fit.params, 2, 4, 6)).toBeCloseTo(0.59, 2)
    expect(bgbbProbabilityAlive(fit.params, 6, 6, 6)).toBeCloseTo(0.93, 2)
  })
})

describe('summaries from transactions', () => {
  it('build the shipped CDNOW summaries from CDNOW_sample.txt (39-week calibration to 1997-09-30)', () => {
    const lines = readFileSync('data/cdnow/CDNOW_sample.txt', 'utf8').trim().split(/\r?\n/)
    const transactions = lines.map((l) => {
      const [, id, date, , value] = l.trim().split(/\s+/)
      return { customerId: String(Number(id)), at: Date.UTC(Number(date!.slice(0, 4)), Number(date!.slice(4, 6)) - 1, Number(date!.slice(6, 8))), value: Number(value) }
    })
    const built = buildSummaries(transactions, { calibrationEnd: Date.UTC(1997, 8, 30), unit: 'weeks' })
    const shipped = new Map(cdnow.map((r) => [String(r[0]), r]))
    expect(built.length).toBe(2357)
    for (const s of built) {
      const row = shipped.get(s.customerId)!
      expect(s.frequency).toBe(row[1])
      // The shipped files are rounded to 2 decimals.
      expect(Math.abs(s.recency - row[2]!)).toBeLessThanOrEqual(0.00501)
      expect(Math.abs(s.T - row[3]!)).toBeLessThanOrEqual(0.00501)
      expect(Math.abs(s.monetaryValue - row[4]!)).toBeLessThanOrEqual(0.00501)
    }
  })

  it('refuses negative values and mixed currencies, naming the row', () => {
    expect(() => buildSummaries([{ customerId: 'c1', at: 0, value: -4 }], { calibrationEnd: 1, unit: 'days' })).toThrow('transaction 1 (customer c1): value must be ≥ 0, got -4')
    expect(() =>
      buildSummaries([{ customerId: 'c1', at: 0, value: 5, currency: 'EUR' }, { customerId: 'c2', at: 0, value: 5, currency: 'USD' }], { calibrationEnd: 1, unit: 'days' }),
    ).toThrow('transactions must be in one currency, got EUR, USD')
  })
})

describe('bad input to the fits', () => {
  it('says how many repeat buyers a fit needs', () => {
    const few: RfmData = { x: Float64Array.of(0, 1, 0), tx: Float64Array.of(0, 2, 0), T: Float64Array.of(5, 5, 5) }
    expect(() => fitBgNbd(few)).toThrow(new AppError('VALUE_INPUT_INVALID', 'fitting needs at least 10 customers with repeat purchases, got 1'))
  })
  it('names the row whose recency lies outside 0..T', () => {
    const bad: RfmData = { x: Float64Array.of(1), tx: Float64Array.of(9), T: Float64Array.of(5) }
    expect(() => fitBgNbd(bad)).toThrow('row 1: recency must be within 0..T, got recency 9 and T 5')
  })
  it('says so when a fit does not converge, instead of returning NaN', () => {
    // Every customer spends exactly the same: Gamma-Gamma's likelihood keeps rising as p and q grow without bound.
    const x = Float64Array.from({ length: 50 }, (_, i) => 1 + (i % 5))
    const zbar = new Float64Array(50).fill(20)
    expect(() => fitGammaGamma({ x, zbar })).toThrow(/^gammagamma fit did not converge after \d+ iterations/)
    try {
      fitGammaGamma({ x, zbar })
    } catch (err) {
      expect((err as AppError).code).toBe('MODEL_NOT_CONVERGED')
    }
  })

  it('refuses non-positive spend for Gamma-Gamma', () => {
    const x = new Float64Array(12).fill(1)
    const zbar = new Float64Array(12).fill(10)
    zbar[3] = 0
    expect(() => fitGammaGamma({ x, zbar })).toThrow('row 4: monetary value must be positive, got 0')
  })
})
