import { parse } from 'csv-parse/sync'
import { readFileSync } from 'node:fs'
import { AppError, assertNever } from '../core/errors.js'
import { bgbbProbabilityAlive, fitBgBb } from '../value/bgbb.js'
import { bgnbdConditionalExpected, bgnbdProbabilityAlive, fitBgNbd } from '../value/bgnbd.js'
import type { FitResult } from '../value/fit.js'
import { fitGammaGamma, gammaGammaExpectedSpend } from '../value/gamma-gamma.js'
import { fitMbgNbd } from '../value/mbgnbd.js'
import { fitParetoNbd } from '../value/pareto-nbd.js'
import { readSummaryTable, spendOf, type SummaryTable } from '../value/read-summary.js'
import { printResult } from './output.js'
import type { Runtime } from './runtime.js'
import { refreshStoreValues } from './value-refresh.js'

export const MODELS = ['bgnbd', 'pareto', 'mbgnbd', 'gammagamma', 'bgbb'] as const
export type ModelName = (typeof MODELS)[number]

/** Reads a summary CSV file into a table, with the file named in any error. */
export function loadSummary(file: string): SummaryTable {
  let rows: Record<string, string>[]
  try {
    rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true })
  } catch (err) {
    throw new AppError('VALUE_INPUT_INVALID', `summary ${file}: ${(err as Error).message}`, { cause: err })
  }
  return readSummaryTable(rows)
}

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
 * `salestwin value fit --model bgnbd|gammagamma` without `--summary`: fits on the store's orders (in
 * days), rescores every profile (P(alive), expected purchases, CLV, RFM) and prints the chosen fit.
 */
export async function valueFitFromStore(runtime: Runtime, opts: { model: ModelName; currency?: string; json: boolean }): Promise<void> {
  if (opts.model === 'bgbb') {
    throw new AppError('VALUE_INPUT_INVALID', 'BG/BB needs discrete-opportunity data (frequency,recency,periods,weights); use --summary')
  }
  const refresh = await refreshStoreValues(runtime.store, runtime.config, opts.currency)
  if (opts.model === 'pareto' || opts.model === 'mbgnbd') {
    // Profiles are scored with BG/NBD; the other count models are fitted on the same summaries for comparison.
    const fit = opts.model === 'pareto' ? fitParetoNbd(refresh.rfm) : fitMbgNbd(refresh.rfm)
    const result = { ...fit, unit: 'days', currency: refresh.currency, asOf: refresh.asOf, profilesScored: refresh.customers }
    printResult(result, opts.json, () => `${fit.model} on ${fit.n} customers (${refresh.currency}, days): ${JSON.stringify(fit.params)}`)
    return
  }
  const fit = opts.model === 'bgnbd' ? refresh.bgnbd : refresh.gammaGamma
  if (!fit) throw new AppError('VALUE_INPUT_INVALID', refresh.spendProblem ?? 'no spend model')
  const result = { ...fit, unit: 'days', currency: refresh.currency, asOf: refresh.asOf, profilesScored: refresh.customers }
  printResult(result, opts.json, () => `${fit.model} on ${fit.n} customers (${refresh.currency}, days): ${JSON.stringify(fit.params)}; ${refresh.customers} profiles scored`)
}

/** `salestwin value report`: the latest refresh as stored (what GET /v1/value serves). */
export async function valueReportCommand(runtime: Runtime, json: boolean): Promise<void> {
  const run = await runtime.store.latestValueRun()
  if (!run) throw new AppError('NOT_FOUND', 'no value refresh has run yet; run: salestwin value fit')
  const result = { computedAt: run.computedAt, ...run.data } as { computedAt: string; clustering?: { clusters: { label: string; size: number; meanClv: number; potential: number }[] }; holdoutCheck?: { rows: { frequency: string; customers: number; actualMean: number; expectedMean: number }[] } | null }
  printResult(result, json, () =>
    [
      `value refresh of ${run.computedAt}`,
      'clusters (label, size, mean CLV, potential):',
      ...(result.clustering?.clusters ?? []).map((c) => `  ${c.label.padEnd(22)} ${String(c.size).padStart(7)} ${c.meanClv.toFixed(2).padStart(10)} ${c.potential.toFixed(2).padStart(12)}`),
      'holdout check (calibration purchases, customers, actual, expected):',
      ...(result.holdoutCheck?.rows ?? []).map((r) => `  ${r.frequency.padEnd(4)} ${String(r.customers).padStart(7)} ${r.actualMean.toFixed(3).padStart(8)} ${r.expectedMean.toFixed(3).padStart(8)}`),
    ].join('\n'),
  )
}

/** `salestwin value fit --model M --summary FILE`: one JSON document with params, standard errors, log-likelihood. */
export function valueFitCommand(opts: { model: ModelName; summary: string; json: boolean }): void {
  const started = performance.now()
  const fit = fitModel(opts.model, loadSummary(opts.summary))
  const result = { ...fit, fitMs: Math.round(performance.now() - started) }
  printResult(result, opts.json, () =>
    [`${fit.model} on ${fit.n} customers: log-likelihood ${fit.logLikelihood.toFixed(4)} (${result.fitMs} ms)`, ...Object.entries(fit.params).map(([k, v]) => `  ${k.padEnd(6)} ${v.toFixed(6)}  (se ${(fit.standardErrors as Record<string, number>)[k]!.toFixed(6)})`)].join('\n'),
  )
}

/**
 * `salestwin value predict --summary FILE --t 39`: per customer the expected purchases in the next t
 * periods and P(alive) (BG/NBD, or BG/BB for discrete data); with a monetary column also the expected
 * spend per order (Gamma-Gamma) and the CLV over those periods (undiscounted).
 */
export function valuePredictCommand(opts: { summary: string; t: number; json: boolean }): void {
  if (!(opts.t > 0)) throw new AppError('VALUE_INPUT_INVALID', `--t must be a positive number of periods, got ${opts.t}`)
  const table = loadSummary(opts.summary)
  const discrete = table.rfm.weights !== undefined
  const counts = discrete ? fitBgBb(table.rfm) : fitBgNbd(table.rfm)
  const spend = table.monetary ? fitGammaGamma(spendOf(table)) : null
  const customers = table.ids.map((id, i) => {
    const x = table.rfm.x[i]!
    const tx = table.rfm.tx[i]!
    const T = table.rfm.T[i]!
    const alive = discrete ? bgbbProbabilityAlive(counts.params as never, x, tx, T) : bgnbdProbabilityAlive(counts.params as never, x, tx, T)
    const expected = discrete ? null : bgnbdConditionalExpected(counts.params as never, opts.t, x, tx, T)
    const perOrder = spend ? gammaGammaExpectedSpend(spend.params as never, x, x > 0 ? table.monetary![i]! : 0) : null
    return {
      id,
      probabilityAlive: round(alive),
      expectedPurchases: expected === null ? null : round(expected),
      expectedSpendPerOrder: perOrder === null ? null : round(perOrder),
      // CLV over the next t periods: the purchases expected in them × the expected spend per order
      // (undiscounted here: the summary's time unit is not known; profiles' CLV from the store is discounted).
      clv: expected !== null && perOrder !== null ? round(expected * perOrder) : null,
    }
  })
  const result = { model: counts.model, spendModel: spend?.model ?? null, t: opts.t, params: counts.params, spendParams: spend?.params ?? null, customers }
  printResult(result, opts.json, () =>
    [`${counts.model}${spend ? ' + gammagamma' : ''}, next ${opts.t} periods:`, 'id,probabilityAlive,expectedPurchases,expectedSpendPerOrder,clv', ...customers.map((c) => `${c.id},${c.probabilityAlive},${c.expectedPurchases ?? ''},${c.expectedSpendPerOrder ?? ''},${c.clv ?? ''}`)].join('\n'),
  )
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6
}
