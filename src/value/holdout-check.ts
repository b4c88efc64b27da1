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

/** Calibration recency/frequency and the holdout's purchases, per customer: what the model check reads. */
export interface HoldoutData {
  x: Float64Array
  tx: Float64Array
  T: Float64Array
  holdoutFrequency: Float64Array
}

/** The holdout data of summaries built with an observation end. */
export function holdoutData(summaries: CustomerSummary[]): HoldoutData {
  return {
    x: Float64Array.from(summaries, (s) => s.frequency),
    tx: Float64Array.from(summaries, (s) => s.recency),
    T: Float64Array.from(summaries, (s) => s.T),
    holdoutFrequency: Float64Array.from(summaries, (s) => {
      if (s.holdoutFrequency === undefined) throw new Error(`customer ${s.customerId} has no holdout data; build summaries with observationEnd`)
      return s.holdoutFrequency
    }),
  }
}

/**
 * The papers' model check: customers grouped by their calibration repeat purchases, the mean number
 * of purchases they actually made in the holdout against the mean the model expected (conditional
 * expectation over the holdout length). Data for a chart.
 *
 * @example
 * holdoutCheck(holdoutData(summaries), params, 39)
 */
export function holdoutCheck(data: HoldoutData, params: BgNbdParams, holdoutLength: number, maxFrequency = 7): HoldoutRow[] {
  const groups = new Map<number, { n: number; actual: number; expected: number }>()
  for (let i = 0; i < data.x.length; i++) {
    const g = Math.min(data.x[i]!, maxFrequency)
    const acc = groups.get(g) ?? { n: 0, actual: 0, expected: 0 }
    acc.n++
    acc.actual += data.holdoutFrequency[i]!
    acc.expected += bgnbdConditionalExpected(params, holdoutLength, data.x[i]!, data.tx[i]!, data.T[i]!)
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
