import { createWriteStream, type WriteStream } from 'node:fs'
import { stringify, type Stringifier } from 'csv-stringify'
import type { Sender } from './outbox.js'

export type ExportFormat = 'csv' | 'jsonl'

/** An outbox sender that writes each delivery to a file: one JSON line, or CSV rows. */
export interface FileSender extends Sender {
  /** Flushes and closes the file; call after the run. */
  close(): Promise<void>
}

/**
 * The offline alternative to a webhook: the run's deliveries, written to `path` as JSON Lines (the
 * body as it would be posted) or as CSV (`toRows` turns a body into rows with `columns`, header
 * first). A delivery counts as delivered once its line is handed to the operating system.
 */
export function fileSender(path: string, format: ExportFormat, csv: { columns: readonly string[]; toRows: (body: string) => Record<string, unknown>[] }): FileSender {
  const file = createWriteStream(path, { flags: 'w' })
  const opened = new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject))
  let out: WriteStream | Stringifier = file
  if (format === 'csv') {
    const csvOut = stringify({ header: true, columns: [...csv.columns] })
    csvOut.pipe(file)
    out = csvOut
  }
  const write = (chunk: unknown) => new Promise<void>((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve())))
  return {
    id: 'export',
    concurrency: 1,
    async send(body) {
      await opened
      if (format === 'jsonl') await write(`${body}\n`)
      else for (const row of csv.toRows(body)) await write(row)
      return { delivered: true, attempts: 1, error: null }
    },
    async close() {
      await opened
      const finished = new Promise<void>((resolve, reject) => file.once('finish', () => resolve()).once('error', reject))
      out.end()
      await finished
    },
  }
}
