import { AppError } from '../core/errors.js'

export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** The id a page of an id-ordered list (quarantine, audit) continues below. */
export function idCursor(cursor: string): number {
  const before = Number(cursor)
  if (!Number.isInteger(before)) throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`)
  return before
}

/** A position in a list ordered by several text columns, as an opaque cursor. */
export function encodeCursor(position: string[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/** The position {@link encodeCursor} gave out, of `length` columns; a clear error for anything else. */
export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && parsed.length === length && parsed.every((p) => typeof p === 'string')) return parsed as string[]
  } catch (err) {
    throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`, { cause: err })
  }
  throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`)
}
