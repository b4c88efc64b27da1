import { bgnbdConditionalExpected, bgnbdProbabilityAlive, type BgNbdParams } from './bgnbd.js'
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma.js'
import type { CustomerSummary } from './summary.js'
import { toColumns, type SummaryColumns } from './summary-columns.js'
import { roundTo } from '../core/values.js'

export interface ValueScore {
  probabilityAlive: number
  expectedPurchases30d: number
  expectedPurchases90d: number
  expectedPurchases365d: number
  /** Expected value of one future order (Gamma-Gamma), in the orders' currency. */
  expectedSpendPerOrder: number | null
  /** Discounted value of the expected purchases over the horizon. Never negative. */
  clv: number | null
  rfm: { recency: number; frequency: number; monetary: number; score: string }
  /** Where every repeat order carried its cost: the margin share of revenue and the CLV in margin. */
  profitability: { marginShare: number; clvMargin: number | null } | null
}

export interface ScoreOptions {
  /** Yearly discount rate, e.g. 0.1 for 10 %. */
  discountRate: number
  horizonDays: number
}

const MONTH_DAYS = 30

/** Every number of every customer's score, as columns (NaN where a score has none): what a refresh keeps for a million customers. */
export interface ScoreColumns {
  probabilityAlive: Float64Array
  expectedPurchases30d: Float64Array
  expectedPurchases90d: Float64Array
  expectedPurchases365d: Float64Array
  expectedSpendPerOrder: Float64Array
  clv: Float64Array
  /** RFM quintiles, 1–5. */
  recencyScore: Uint8Array
  frequencyScore: Uint8Array
  monetaryScore: Uint8Array
}

/**
 * Scores customers summarized in days with fitted BG/NBD (and Gamma-Gamma) parameters:
 * P(alive), expected purchases in 30/90/365 days, expected spend per order, discounted CLV
 * over the horizon (monthly steps: the purchases expected in each month, times the spend per
 * order, discounted to today), and RFM quintile scores (5 = best).
 *
 * @example
 * scoreCustomers(summaries, { r: 0.5, alpha: 30, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 15 }, { discountRate: 0.1, horizonDays: 365 })
 */
export function scoreCustomers(summaries: CustomerSummary[], counts: BgNbdParams, spend: GammaGammaParams | null, opts: ScoreOptions): ValueScore[] {
  const table = toColumns(summaries)
  const scores = scoreColumns(table, counts, spend, opts)
  return summaries.map((_, i) => scoreAt(table, scores, i))
}

/** {@link scoreCustomers} over columns, into columns. */
export function scoreColumns(table: SummaryColumns, counts: BgNbdParams, spend: GammaGammaParams | null, opts: ScoreOptions): ScoreColumns {
  const n = table.ids.length
  const out: ScoreColumns = {
    probabilityAlive: new Float64Array(n),
    expectedPurchases30d: new Float64Array(n),
    expectedPurchases90d: new Float64Array(n),
    expectedPurchases365d: new Float64Array(n),
    expectedSpendPerOrder: new Float64Array(n),
    clv: new Float64Array(n),
    recencyScore: quintiles(Float64Array.from(table.T, (T, i) => T - table.recency[i]!), false),
    frequencyScore: quintiles(table.frequency, true),
    monetaryScore: quintiles(table.monetaryValue, true),
  }
  const monthlyDiscount = Math.pow(1 + opts.discountRate, 1 / 12)
  for (let i = 0; i < n; i++) {
    const x = table.frequency[i]!
    const tx = table.recency[i]!
    const T = table.T[i]!
    const expected = (t: number) => bgnbdConditionalExpected(counts, t, x, tx, T)
    const perOrder = spend ? gammaGammaExpectedSpend(spend, x, x > 0 ? table.monetaryValue[i]! : 0) : null
    let clv = Number.NaN
    if (perOrder !== null) {
      clv = 0
      let before = 0
      for (let month = 1; month * MONTH_DAYS <= opts.horizonDays; month++) {
        const upTo = expected(month * MONTH_DAYS)
        clv += ((upTo - before) * perOrder) / Math.pow(monthlyDiscount, month)
        before = upTo
      }
      clv = Math.max(0, clv)
    }
    out.probabilityAlive[i] = bgnbdProbabilityAlive(counts, x, tx, T)
    out.expectedPurchases30d[i] = expected(30)
    out.expectedPurchases90d[i] = expected(90)
    out.expectedPurchases365d[i] = expected(365)
    out.expectedSpendPerOrder[i] = perOrder ?? Number.NaN
    out.clv[i] = clv
  }
  return out
}

/** Customer i's score as the profile API shows it, rounded. */
export function scoreAt(table: SummaryColumns, scores: ScoreColumns, i: number): ValueScore {
  const orNull = (v: number) => (Number.isNaN(v) ? null : roundTo(v, 4))
  const clv = orNull(scores.clv[i]!)
  const margin = table.monetaryMargin[i]!
  const monetary = table.monetaryValue[i]!
  const [r, f, m] = [scores.recencyScore[i]!, scores.frequencyScore[i]!, scores.monetaryScore[i]!]
  return {
    probabilityAlive: roundTo(scores.probabilityAlive[i]!, 4),
    expectedPurchases30d: roundTo(scores.expectedPurchases30d[i]!, 4),
    expectedPurchases90d: roundTo(scores.expectedPurchases90d[i]!, 4),
    expectedPurchases365d: roundTo(scores.expectedPurchases365d[i]!, 4),
    expectedSpendPerOrder: orNull(scores.expectedSpendPerOrder[i]!),
    clv,
    rfm: { recency: r, frequency: f, monetary: m, score: `${r}${f}${m}` },
    profitability: !Number.isNaN(margin) && monetary > 0 ? { marginShare: roundTo(margin / monetary, 4), clvMargin: Number.isNaN(scores.clv[i]!) ? null : roundTo((scores.clv[i]! * margin) / monetary, 4) } : null,
  }
}

/** Quintile scores 1–5 (5 best); ties share a score: the share of customers strictly below, as a quintile. */
function quintiles(values: Float64Array, higherIsBetter: boolean): Uint8Array {
  const sorted = Float64Array.from(values).sort()
  return Uint8Array.from(values, (v) => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! < v) lo = mid + 1
      else hi = mid
    }
    const q = Math.min(4, Math.floor((lo / sorted.length) * 5)) + 1
    return higherIsBetter ? q : 6 - q
  })
}
