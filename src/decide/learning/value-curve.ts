import { DAY_MS } from '../../core/time.js'
import { roundTo } from '../../core/values.js'

export interface ReachedCustomer {
  firstAt: string
  e30: number | null
  e90: number | null
  e365: number | null
  spend: number | null
  orders: { ts: string; revenue: number }[]
}

export interface ValueCurvePoint {
  /** Days since each customer's reach. */
  day: number
  /** Scored customers reached at least this many days ago. */
  customers: number
  /** Their mean revenue from orders since the reach, up to this day. */
  realized: number
  /** What the value models predicted for them at the reach: expected purchases by this day × expected spend per order. */
  predicted: number
}

/** Expected purchases by day k, piecewise linear through the models' 30, 90 and 365 days (0 at the reach). */
function expectedBy(c: ReachedCustomer, k: number): number {
  const points: [number, number][] = [[0, 0], [30, c.e30!], [90, c.e90!], [365, c.e365!]]
  for (let i = 1; i < points.length; i++) {
    const [d0, v0] = points[i - 1]!
    const [d1, v1] = points[i]!
    if (k <= d1) return v0 + ((v1 - v0) * (k - d0)) / (d1 - d0)
  }
  return points.at(-1)![1]
}

/**
 * The campaign's value curve (docs/decide.md, "Monitoring the loop"): for the customers it reached,
 * day by day since each one's reach, their realized revenue against what the value models predicted
 * for them at the reach — so a marketer sees early whether the campaign's customers keep to their
 * lifetime-value curve. Each day averages the customers reached at least that long ago; customers
 * the models had not scored at their reach are counted apart.
 */
export function valueCurve(reached: readonly ReachedCustomer[], now: Date, days: number): { customers: number; unscored: number; days: ValueCurvePoint[] } {
  const scored = reached.filter((c) => c.e30 !== null && c.e90 !== null && c.e365 !== null && c.spend !== null)
  const points: ValueCurvePoint[] = []
  for (let k = 0; k <= days; k++) {
    let n = 0
    let realized = 0
    let predicted = 0
    for (const c of scored) {
      const start = Date.parse(c.firstAt)
      if (start + k * DAY_MS > now.getTime()) continue
      n++
      for (const o of c.orders) if (Date.parse(o.ts) <= start + k * DAY_MS) realized += o.revenue
      predicted += expectedBy(c, k) * c.spend!
    }
    if (n === 0) break
    points.push({ day: k, customers: n, realized: roundTo(realized / n, 2), predicted: roundTo(predicted / n, 2) })
  }
  return { customers: scored.length, unscored: reached.length - scored.length, days: points }
}

