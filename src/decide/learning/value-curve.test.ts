import { describe, expect, it } from 'vitest'
import { valueCurve } from './value-curve.js'

describe("a campaign's value curve", () => {
  it('sets the reached customers’ realized revenue since their reach against the prediction at the reach, day by day', () => {
    const now = new Date('2026-06-30T00:00:00Z')
    const reached = [
      // Reached 29 days ago, predicted 1 purchase in 30 days at 60 each; bought once for 80 on day 10.
      { firstAt: '2026-06-01T00:00:00Z', e30: 1, e90: 2, e365: 5, spend: 60, orders: [{ ts: '2026-06-11T00:00:00Z', revenue: 80 }] },
      // Reached 9 days ago, predicted half a purchase; nothing yet.
      { firstAt: '2026-06-21T00:00:00Z', e30: 0.5, e90: 1, e365: 2, spend: 40, orders: [] },
      // Not scored at the reach.
      { firstAt: '2026-06-01T00:00:00Z', e30: null, e90: null, e365: null, spend: null, orders: [] },
    ]
    const curve = valueCurve(reached, now, 60)
    expect([curve.customers, curve.unscored]).toEqual([2, 1])
    expect(curve.days[0]).toEqual({ day: 0, customers: 2, realized: 0, predicted: 0 })
    // Day 10: only the first was reached that long ago; its 80 by then. Day 9: both.
    expect(curve.days[10]).toEqual({ day: 10, customers: 1, realized: 80, predicted: Math.round(((10 / 30) * 60) * 100) / 100 })
    expect(curve.days[9]).toEqual({ day: 9, customers: 2, realized: 0, predicted: Math.round((((9 / 30) * 60 + (9 / 30) * 0.5 * 40) / 2) * 100) / 100 })
    // The last day is the oldest reach's age: 29 days.
    expect(curve.days.at(-1)!.day).toBe(29)
  })
})
