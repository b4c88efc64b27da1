import { bgnbdConditionalExpected, type BgNbdParams } from './bgnbd.js'
import type { CustomerSummary } from './summary.js'
import { roundTo } from '../core/values.js'

export interface HoldoutRow {
  /** Repeat purchases in calibration; the last row gathers `maxFrequency` and more ("7+"). */
  frequency: string
  customers: number
  actualMean: number
  expectedMean: number
}

/**
 * The papers' model check: customers grouped by their calibration repeat purchases, the mean number
 * of purchases they actually made in the holdout against the mean the model expected (conditional
 * expectation over the holdout length). Data for a chart.
 *
 * @example
 * holdoutCheck(summaries, params, 39)
 */
export function holdoutCheck(summaries: CustomerSummary[], params: BgNbdParams, holdoutLength: number, maxFrequency = 7): HoldoutRow[] {
  const groups = new Map<number, { n: number; actual: number; expected: number }>()
  for (const s of summaries) {
    if (s.holdoutFrequency === undefined) throw new Error(`customer ${s.customerId} has no holdout data; build summaries with observationEnd`)
    const g = Math.min(s.frequency, maxFrequency)
    const acc = groups.get(g) ?? { n: 0, actual: 0, expected: 0 }
    acc.n++
    acc.actual += s.holdoutFrequency
    acc.expected += bgnbdConditionalExpected(params, holdoutLength, s.frequency, s.recency, s.T)
    groups.set(g, acc)
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([g, acc]) => ({
      frequency: g === maxFrequency ? `${maxFrequency}+` : String(g),
      customers: acc.n,
      actualMean: roundTo(acc.actual / acc.n, 4),
      expectedMean: roundTo(acc.expected / acc.n, 4),
    }))
}
