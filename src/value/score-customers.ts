import { bgnbdConditionalExpected, bgnbdProbabilityAlive, type BgNbdParams } from './bgnbd.js'
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma.js'
import type { CustomerSummary } from './summary.js'
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

/**
 * Scores customers summarized in days with fitted BG/NBD (and Gamma-Gamma) parameters:
 * P(alive), expected purchases in 30/90/365 days, expected spend per order, discounted CLV
 * over the horizon (monthly steps: the purchases expected in each month, times the spend per
 * order, discounted to today), and RFM quintile scores (5 = best).
 *
 * @example
 * scoreCustomers(summaries, { r: 0.5, alpha: 30, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 15 }, { discountRate: 0.1, horizonDays: 365 })
 */
export function scoreCustomers(
  summaries: CustomerSummary[],
  counts: BgNbdParams,
  spend: GammaGammaParams | null,
  opts: ScoreOptions,
): ValueScore[] {
  const rfm = rfmScores(summaries)
  const monthlyDiscount = Math.pow(1 + opts.discountRate, 1 / 12)
  return summaries.map((s, i) => {
    const expected = (t: number) => bgnbdConditionalExpected(counts, t, s.frequency, s.recency, s.T)
    const perOrder = spend ? gammaGammaExpectedSpend(spend, s.frequency, s.frequency > 0 ? s.monetaryValue : 0) : null
    let clv: number | null = null
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
    return {
      probabilityAlive: roundTo(bgnbdProbabilityAlive(counts, s.frequency, s.recency, s.T), 4),
      expectedPurchases30d: roundTo(expected(30), 4),
      expectedPurchases90d: roundTo(expected(90), 4),
      expectedPurchases365d: roundTo(expected(365), 4),
      expectedSpendPerOrder: perOrder === null ? null : roundTo(perOrder, 4),
      clv: clv === null ? null : roundTo(clv, 4),
      rfm: rfm[i]!,
      profitability:
        s.monetaryMargin !== null && s.monetaryValue > 0
          ? { marginShare: roundTo(s.monetaryMargin / s.monetaryValue, 4), clvMargin: clv === null ? null : roundTo((clv * s.monetaryMargin) / s.monetaryValue, 4) }
          : null,
    }
  })
}

/** RFM quintile scores (1–5, 5 best): recency by days since the last purchase, frequency by purchases, monetary by mean value. */
export function rfmScores(summaries: CustomerSummary[]): ValueScore['rfm'][] {
  const quintile = (values: number[], higherIsBetter: boolean) => {
    const sorted = [...values].sort((a, b) => a - b)
    return values.map((v) => {
      // Ties share a score: the share of customers strictly below, as a quintile.
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
  const r = quintile(summaries.map((s) => s.T - s.recency), false)
  const f = quintile(summaries.map((s) => s.frequency), true)
  const m = quintile(summaries.map((s) => s.monetaryValue), true)
  return summaries.map((_, i) => ({ recency: r[i]!, frequency: f[i]!, monetary: m[i]!, score: `${r[i]}${f[i]}${m[i]}` }))
}
