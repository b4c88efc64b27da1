import type { Config } from '../config/config.js'
import { AppError } from '../core/errors.js'
import { createSource } from '../collect/sources.js'
import { importFile } from '../importers/import-file.js'
import type { ImportKind } from '../importers/row-to-message.js'
import { readRows, type RowFormat } from '../importers/read-rows.js'
import { parseSpend } from '../journey/spend.js'
import { printResult, progress } from './output.js'
import { openRuntime } from './runtime.js'
import { roundTo } from '../core/values.js'

interface ImportFlags {
  source?: string
  map?: string[]
  columns?: string
  format?: RowFormat
  delimiter?: string
  dateFormat?: string
  currency?: string
  event?: string
  createSource?: boolean
  json?: boolean
}

/** `salestwin import spend FILE.csv`: the whole file or nothing, every problem listed with its line. */
export async function importSpendCommand(config: Config, file: string, json: boolean): Promise<void> {
  const rows: { line: number; values: Record<string, unknown> }[] = []
  for await (const row of readRows(file, { format: 'csv' })) rows.push(row)
  const parsed = parseSpend(rows)
  if (parsed.errors.length > 0) {
    throw new AppError('IMPORT_INVALID', `${file}: nothing imported, ${parsed.errors.length} problem(s): ${parsed.errors.join('; ')}`)
  }
  const runtime = await openRuntime(config)
  try {
    await runtime.store.journeys.putSpend(parsed.rows)
    const total = parsed.rows.reduce((s, r) => s + r.cost, 0)
    const result = { file, kind: 'spend', rows: rows.length, stored: parsed.rows.length, totalCost: roundTo(total, 2) }
    printResult(result, json, () => `${file}: ${result.stored} spend rows stored, ${result.totalCost} in all`)
  } finally {
    await runtime.close()
  }
}

/** `salestwin import KIND FILE`: rows through the collector, a summary with rejected lines at the end. */
export async function importCommand(config: Config, kind: ImportKind, file: string, flags: ImportFlags): Promise<void> {
  if (!flags.source) throw new AppError('IMPORT_INVALID', `--source is required to import ${kind}`)
  const map: Record<string, string> = {}
  for (const pair of flags.map ?? []) {
    const [column, field] = pair.split('=')
    if (!column || !field) throw new AppError('IMPORT_INVALID', `--map must be column=field, got "${pair}"`)
    map[column] = field
  }
  const runtime = await openRuntime(config)
  const bar = progress(`import ${kind}`)
  try {
    const known = (await runtime.store.access.listSources()).some((s) => s.name === flags.source)
    if (!known && !flags.createSource) {
      throw new AppError('SOURCE_NOT_FOUND', `source "${flags.source}" does not exist: create it with \`salestwin sources create ${flags.source}\`, or pass --create-source`)
    }
    if (!known) await createSource(runtime.store, flags.source)
    const imported = await importFile(runtime.collector, file, {
      kind,
      source: flags.source,
      map,
      currency: flags.currency ?? config.defaultCurrency,
      ...(flags.columns ? { columns: flags.columns.split(',').map((c) => c.trim()) } : {}),
      ...(flags.format ? { format: flags.format } : {}),
      ...(flags.delimiter ? { delimiter: flags.delimiter } : {}),
      ...(flags.dateFormat ? { dateFormat: flags.dateFormat } : {}),
      ...(flags.event ? { event: flags.event } : {}),
      onProgress: (rows) => bar.update(rows, rows, 'rows'),
    })
    bar.stop()
    const summary = known ? imported : { ...imported, createdSource: flags.source }
    printResult(summary, Boolean(flags.json), () =>
      [
        ...(summary.createdSource ? [`created source "${summary.createdSource}"`] : []),
        `${summary.file}: ${summary.rows} rows, ${summary.stored} stored, ${summary.duplicates} already there, ${summary.rejected} rejected, ${summary.warned} stored with a warning`,
        ...summary.rejections.map((r) => `  line ${r.line}: ${r.reason}`),
        ...summary.warnings.map((w) => `  line ${w.line} (stored): ${w.warning}`),
      ].join('\n'),
    )
  } finally {
    await runtime.close()
  }
}
