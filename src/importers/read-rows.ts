import { parse } from 'csv-parse'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { AppError } from '../core/errors.js'
import { isPlainObject } from '../core/values.js'

export type RowFormat = 'csv' | 'jsonl' | 'whitespace'

export interface ReadOptions {
  /** Default: from the extension (.csv, .jsonl/.ndjson, .txt as whitespace-separated; .gz looks beneath). */
  format?: RowFormat
  /** CSV delimiter (default ","). */
  delimiter?: string
  /** Column names when the file has no header row. */
  columns?: string[]
}

export interface Row {
  /** 1-based line number in the file (of the row's first line for CSV). */
  line: number
  values: Record<string, unknown>
}

/** Picks the format from the file name. */
export function formatOf(file: string): RowFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '')
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl'
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv'
  if (name.endsWith('.txt')) return 'whitespace'
  throw new AppError('IMPORT_INVALID', `file must end in .csv, .jsonl, .ndjson or .txt (optionally .gz), got "${file}"`)
}

/**
 * Streams the rows of a CSV, JSONL or whitespace-separated file (optionally gzipped) as objects.
 * A JSONL line that is not a JSON object comes back as `{ __unparsed: text }` so the caller can reject it with its line.
 *
 * @example
 * for await (const row of readRows('orders.csv')) console.log(row.line, row.values)
 */
export async function* readRows(file: string, opts: ReadOptions = {}): AsyncGenerator<Row> {
  const format = opts.format ?? formatOf(file)
  let input: Readable = createReadStream(file)
  if (file.toLowerCase().endsWith('.gz')) input = input.pipe(createGunzip())
  if (format === 'csv') {
    const parser = input.pipe(
      parse({
        columns: opts.columns ?? true,
        delimiter: opts.delimiter ?? (file.toLowerCase().replace(/\.gz$/, '').endsWith('.tsv') ? '\t' : ','),
        bom: true,
        trim: true,
        skip_empty_lines: true,
        info: true,
        relax_column_count: false,
      }),
    )
    for await (const record of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>) {
      yield { line: record.info.lines, values: record.record }
    }
    return
  }
  const lines = createInterface({ input, crlfDelay: Infinity })
  let line = 0
  for await (const text of lines) {
    line++
    const trimmed = text.trim()
    if (trimmed === '') continue
    if (format === 'jsonl') {
      yield { line, values: parseJsonLine(trimmed) }
    } else {
      const cells = trimmed.split(/\s+/)
      const names = opts.columns
      if (!names) throw new AppError('IMPORT_INVALID', 'a whitespace-separated file needs --columns naming its columns')
      yield { line, values: Object.fromEntries(names.map((n, i) => [n, cells[i]])) }
    }
  }
}

function parseJsonLine(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (isPlainObject(value)) return value
  } catch {
    // not JSON: handed on as text below, so that validation rejects it with its line
  }
  return { __unparsed: text }
}
