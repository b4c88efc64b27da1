import { assertNever } from '../core/errors.js'
import { bgbbProbabilityAlive, fitBgBb } from './bgbb.js'
import { bgnbdConditionalExpected, bgnbdProbabilityAlive, fitBgNbd } from './bgnbd.js'
import type { FitResult } from './fit.js'
import { fitGammaGamma, gammaGammaExpectedSpend } from './gamma-gamma.js'
import { fitMbgNbd } from './mbgnbd.js'
import { fitParetoNbd } from './pareto-nbd.js'
import { spendOf, type SummaryTable } from './read-summary.js'
import { roundTo } from '../core/values.js'

export const MODELS = ['bgnbd', 'pareto', 'mbgnbd', 'gammagamma', 'bgbb'] as const
export type ModelName = (typeof MODELS)[number]

/** Fits one model to a summary table. */
export function fitModel(model: ModelName, table: SummaryTable): FitResult<string> {
  switch (model) {
    case 'bgnbd':
      return fitBgNbd(table.rfm)
    case 'pareto':
      return fitParetoNbd(table.rfm)
    case 'mbgnbd':
      return fitMbgNbd(table.rfm)
    case 'gammagamma':
      return fitGammaGamma(spendOf(table))
    case 'bgbb':
      return fitBgBb(table.rfm)
    default:
      return assertNever(model)
  }
}

/**
 * Per customer of a summary table: P(alive) and the purchases expected in the next t periods
 * (BG/NBD, or BG/BB for discrete data, which gives P(alive) only); with a monetary column also the
 * expected spend per order (Gamma-Gamma) and the CLV over those periods — undiscounted, as the
 * summary's time unit is not known (profiles' CLV from the store is discounted).
 *
 * @example
 * predictCustomers(readSummaryTable(rows), 39)
 */
export function predictCustomers(table: SummaryTable, t: number) {
  const { x, tx, T } = table.rfm
  const spend = table.monetary ? fitGammaGamma(spendOf(table)) : null
  const perOrder = (i: number) => (spend ? gammaGammaExpectedSpend(spend.params, x[i]!, x[i]! > 0 ? table.monetary![i]! : 0) : null)
  if (table.rfm.weights !== undefined) {
    const counts = fitBgBb(table.rfm)
    const customers = table.ids.map((id, i) => customer(id, bgbbProbabilityAlive(counts.params, x[i]!, tx[i]!, T[i]!), null, perOrder(i)))
    return { counts, spend, customers }
  }
  const counts = fitBgNbd(table.rfm)
  const customers = table.ids.map((id, i) =>
    customer(id, bgnbdProbabilityAlive(counts.params, x[i]!, tx[i]!, T[i]!), bgnbdConditionalExpected(counts.params, t, x[i]!, tx[i]!, T[i]!), perOrder(i)),
  )
  return { counts: counts as FitResult<string>, spend, customers }
}

function customer(id: string, alive: number, expected: number | null, perOrder: number | null) {
  return {
    id,
    probabilityAlive: roundTo(alive, 6),
    expectedPurchases: expected === null ? null : roundTo(expected, 6),
    expectedSpendPerOrder: perOrder === null ? null : roundTo(perOrder, 6),
    clv: expected !== null && perOrder !== null ? roundTo(expected * perOrder, 6) : null,
  }
}
