/**
 * One row of PostgreSQL's COPY text format (https://www.postgresql.org/docs/current/sql-copy.html):
 * columns separated by tabs, NULL as `\N`, and backslash, newline, carriage return and tab inside
 * a value written as backslash sequences.
 *
 * @example
 * copyTextRow(['a\tb', null, 3]) // 'a\\tb\t\\N\t3\n'
 */
export function copyTextRow(values: readonly (string | number | null)[]): string {
  return `${values.map(copyTextValue).join('\t')}\n`
}

function copyTextValue(value: string | number | null): string {
  if (value === null) return '\\N'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`COPY cannot carry the number ${value}`)
    return String(value)
  }
  return value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!)
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }
