import { basename } from 'node:path'
import type { Collector, RawItem } from '../collect/collector.js'
import { readRows, type ReadOptions } from './read-rows.js'
import { rowToMessage, type MappingOptions } from './row-to-message.js'

export interface ImportSummary {
  file: string
  kind: MappingOptions['kind']
  source: string
  rows: number
  stored: number
  duplicates: number
  rejected: number
  /** The first 100 rejections with their line numbers; all of them are in the quarantine. */
  rejections: { line: number; reason: string }[]
  /** Stored rows with a data-quality warning (e.g. an invalid email kept as a trait). */
  warned: number
  /** The first 100 warnings with their line numbers; all of them are in the quarantine as warnings. */
  warnings: { line: number; warning: string }[]
  /** The source this import created (`--create-source`), if it did. */
  createdSource?: string
}

const ROWS_PER_CHUNK = 1000
const MAX_LISTED_REJECTIONS = 100

/**
 * Imports a file through the collector: the same validation, identity and quarantine as the HTTP API.
 *
 * @example
 * const summary = await importFile(collector, 'data/cdnow/CDNOW_sample.txt', {
 *   kind: 'orders', source: 'import', map: { id: 'userId', date: 'timestamp', dollar_value: 'revenue', n_cds: 'quantity' },
 *   dateFormat: 'yyyyMMdd', currency: 'USD', columns: ['master_id', 'id', 'date', 'n_cds', 'dollar_value'],
 * })
 */
export async function importFile(
  collector: Collector,
  file: string,
  opts: MappingOptions & ReadOptions & { onProgress?: (rows: number) => void },
): Promise<ImportSummary> {
  const summary: ImportSummary = { file, kind: opts.kind, source: opts.source, rows: 0, stored: 0, duplicates: 0, rejected: 0, rejections: [], warned: 0, warnings: [] }
  const name = basename(file)
  let chunk: { line: number; item: RawItem }[] = []
  const flush = async () => {
    const results = await collector.collect(chunk.map((c) => c.item), opts.source, { identifiedBy: 'any', sender: { keyId: null, name: `import:${file}` } })
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        summary.rejected++
        if (summary.rejections.length < MAX_LISTED_REJECTIONS) summary.rejections.push({ line: chunk[i]!.line, reason: r.reason })
      } else if (r.status === 'duplicate') {
        summary.duplicates++
      } else {
        summary.stored++
        if (r.warnings.length > 0) summary.warned++
        for (const warning of r.warnings.slice(0, Math.max(0, MAX_LISTED_REJECTIONS - summary.warnings.length))) summary.warnings.push({ line: chunk[i]!.line, warning })
      }
    })
    chunk = []
    opts.onProgress?.(summary.rows)
  }
  for await (const row of readRows(file, opts)) {
    summary.rows++
    // A line that is not a JSON object goes to the collector as its text, to be rejected and quarantined there.
    const raw = typeof row.values.__unparsed === 'string' ? row.values.__unparsed : rowToMessage(row.values, row.line, name, opts)
    chunk.push({ line: row.line, item: { raw, path: `line[${row.line}]` } })
    if (chunk.length >= ROWS_PER_CHUNK) await flush()
  }
  if (chunk.length > 0) await flush()
  return summary
}
