import { describe, expect, it } from 'vitest'
import { CONSENT_PURPOSES } from '../../core/consent.js'
import { compileCatalog } from '../catalog.js'
import { alerts, calibration, dailySums, performance, type FoldedShowing } from './monitor.js'

const showing = (day: string, predicted: number, label: 0 | 1, offerId = 'o1'): FoldedShowing => ({ day, offerId, arm: 'champion', campaignId: 'c1', predicted, label })

describe('monitoring the learning loop', () => {
  it('sums Brier score, log loss and the reliability bands per day and offer', () => {
    const [row] = dailySums([showing('2026-06-01', 0.2, 1), showing('2026-06-01', 0.04, 0)])
    expect(row).toMatchObject({ day: '2026-06-01', offerId: 'o1', n: 2, positives: 1 })
    expect(row!.predicted).toBeCloseTo(0.24, 12)
    expect(row!.brier).toBeCloseTo(0.8 ** 2 + 0.04 ** 2, 12)
    expect(row!.logLoss).toBeCloseTo(-Math.log(0.2) - Math.log(0.96), 12)
    const c = calibration([row!])
    expect(c.days).toEqual([{ day: '2026-06-01', showings: 2, brier: Math.round(((0.64 + 0.0016) / 2) * 1e6) / 1e6, logLoss: expect.any(Number) }])
    // 0.04 falls in the 3–5 % band, 0.2 in the 20–50 % band.
    expect(c.bands).toEqual([
      { from: 0.03, to: 0.05, showings: 1, predicted: 0.04, observed: 0 },
      { from: 0.2, to: 0.5, showings: 1, predicted: 0.2, observed: 1 },
    ])
  })

  it('alerts when the observed rate leaves the prediction’s 95 % interval on each of the last 3 days, not before', () => {
    const day = (d: string, rate: number) => Array.from({ length: 200 }, (_, i) => showing(d, 0.05, i < rate * 200 ? 1 : 0))
    const calm = dailySums([...day('2026-06-01', 0.05), ...day('2026-06-02', 0.2), ...day('2026-06-03', 0.2)])
    expect(alerts(calm)).toEqual([])
    const off = dailySums([...day('2026-06-02', 0.2), ...day('2026-06-03', 0.2), ...day('2026-06-04', 0.2)])
    expect(alerts(off)).toEqual([{ offer: 'o1', campaign: 'c1', since: '2026-06-02', days: 3, detail: expect.stringContaining('observed 20.00 % against predicted 5.00 %') }])
  })

  it('reports showings, outcomes, revenue, cost and profit per offer and campaign', () => {
    const catalog = compileCatalog({ campaigns: [{ id: 'c1', name: 'C', status: 'active', channels: ['web'], offers: [{ id: 'o1', name: 'O', value: 10, cost: 0.5 }] }] }, { version: 1, purposes: CONSENT_PURPOSES })
    const daily = dailySums([showing('2026-06-01', 0.1, 1), showing('2026-06-01', 0.1, 0), showing('2026-06-02', 0.1, 0), showing('2026-06-02', 0.1, 0)])
    const outcomes = [
      { day: '2026-06-01', offerId: 'o1', outcome: 'click', n: 2, value: 0 },
      { day: '2026-06-01', offerId: 'o1', outcome: 'converted', n: 1, value: 80 },
    ]
    const { offers, campaigns } = performance(daily, outcomes, catalog)
    expect(offers).toEqual([{ offer: 'o1', campaign: 'c1', showings: 4, impressions: 0, clicks: 2, accepts: 0, rejects: 0, conversions: 1, revenue: 80, cost: 2, profit: 78, observedRate: 0.25, predictedRate: 0.1 }])
    expect(campaigns[0]).toMatchObject({ campaign: 'c1', showings: 4, profit: 78, observedRate: 0.25 })
  })
})
