import { parse } from 'csv-parse/sync'
import { readFileSync } from 'node:fs'
import { AppError } from '../core/errors.js'
import { fitMbgNbd } from '../value/mbgnbd.js'
import { fitParetoNbd } from '../value/pareto-nbd.js'
import { fitModel, predictCustomers, type ModelName } from '../value/predict.js'
import { readSummaryTable, type SummaryTable } from '../value/read-summary.js'
import { printResult, progress } from './output.js'
import { repeatBuyers } from '../value/summary.js'
import type { Runtime } from './runtime.js'
import { refreshStoreValues } from '../refresh/value-refresh.js'

/** Reads a summary CSV file into a table, with the file named in any error. */
export function loadSummary(file: string): SummaryTable {
  let records: { record: Record<string, string>; info: { lines: number } }[]
  try {
    records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true })
  } catch (err) {
    throw new AppError('VALUE_INPUT_INVALID', `summary ${file}: ${(err as Error).message}`, { cause: err })
  }
  // Errors name the file's own line numbers (blank lines skipped by the parser still count).
  return readSummaryTable(records.map((r) => r.record), records.map((r) => r.info.lines))
}

/**
 * `salestwin value fit --model bgnbd|gammagamma` without `--summary`: fits on the store's orders (in
 * days), rescores every profile (P(alive), expected purchases, CLV, RFM) and prints the chosen fit.
 */
export async function valueFitFromStore(runtime: Runtime, opts: { model: ModelName; currency?: string; asOf?: Date; json: boolean }): Promise<void> {
  if (opts.model === 'bgbb') {
    throw new AppError('VALUE_INPUT_INVALID', 'BG/BB needs discrete-opportunity data (frequency,recency,periods,weights); use --summary')
  }
  const bar = progress('value fit', { totalKnown: false })
  const refresh = await refreshStoreValues(runtime.store, runtime.config, {
    ...(opts.currency ? { currency: opts.currency } : {}),
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    onProgress: (read) => bar.update(read, read, 'orders read'),
  })
  bar.stop()
  // On stderr, so that --json stays one document; the JSON carries them too.
  for (const warning of refresh.warnings) process.stderr.write(`warning: ${warning}\n`)
  if (opts.model === 'pareto' || opts.model === 'mbgnbd') {
    // Profiles are scored with BG/NBD; the other count models are fitted on the same summaries for comparison.
    const fit = opts.model === 'pareto' ? fitParetoNbd(refresh.rfm) : fitMbgNbd(refresh.rfm)
    const result = { ...fit, unit: 'days', currency: refresh.currency, asOf: refresh.asOf, profilesScored: refresh.customers, warnings: refresh.warnings }
    printResult(result, opts.json, () => `${fit.model} on ${fit.n} customers (${refresh.currency}, days): ${JSON.stringify(fit.params)}`)
    return
  }
  const fit = opts.model === 'bgnbd' ? refresh.bgnbd : refresh.gammaGamma
  if (!fit) throw new AppError('VALUE_INPUT_INVALID', refresh.spendProblem ?? 'no spend model')
  const result = {
    ...fit,
    unit: 'days',
    currency: refresh.currency,
    asOf: refresh.asOf,
    profilesScored: refresh.customers,
    ...(opts.model === 'gammagamma' ? { zeroValueRepeatBuyers: refresh.zeroValueRepeatBuyers } : {}),
    warnings: refresh.warnings,
  }
  printResult(result, opts.json, () => `${fit.model} on ${fit.n} customers (${refresh.currency}, days): ${JSON.stringify(fit.params)}; ${refresh.customers} profiles scored`)
}

/** `salestwin value report`: the latest refresh as stored (what GET /v1/value serves). */
export async function valueReportCommand(runtime: Runtime, json: boolean): Promise<void> {
  const run = await runtime.store.values.latestRun()
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
  const table = loadSummary(opts.summary)
  const fit = fitModel(opts.model, table)
  const zeroValue = opts.model === 'gammagamma' && table.monetary ? { zeroValueRepeatBuyers: repeatBuyers(table.rfm.x, table.monetary).zeroValue } : {}
  const result = { ...fit, ...zeroValue, fitMs: Math.round(performance.now() - started) }
  printResult(result, opts.json, () =>
    [`${fit.model} on ${fit.n} customers: log-likelihood ${fit.logLikelihood.toFixed(4)} (${result.fitMs} ms)`, ...Object.entries(fit.params).map(([k, v]) => `  ${k.padEnd(6)} ${v.toFixed(6)}  (se ${(fit.standardErrors as Record<string, number>)[k]!.toFixed(6)})`)].join('\n'),
  )
}

/** `salestwin value predict --summary FILE --t 39`: per customer P(alive), expected purchases, spend and CLV ({@link predictCustomers}). */
export function valuePredictCommand(opts: { summary: string; t: number; json: boolean }): void {
  if (!(opts.t > 0)) throw new AppError('VALUE_INPUT_INVALID', `--t must be a positive number of periods, got ${opts.t}`)
  const { counts, spend, customers } = predictCustomers(loadSummary(opts.summary), opts.t)
  const result = { model: counts.model, spendModel: spend?.model ?? null, t: opts.t, params: counts.params, spendParams: spend?.params ?? null, customers }
  printResult(result, opts.json, () =>
    [`${counts.model}${spend ? ' + gammagamma' : ''}, next ${opts.t} periods:`, 'id,probabilityAlive,expectedPurchases,expectedSpendPerOrder,clv', ...customers.map((c) => `${c.id},${c.probabilityAlive},${c.expectedPurchases ?? ''},${c.expectedSpendPerOrder ?? ''},${c.clv ?? ''}`)].join('\n'),
  )
}
