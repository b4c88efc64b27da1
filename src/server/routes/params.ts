import { AppError } from '../../core/errors.js'

/** Reads a `limit` query parameter within bounds. */
export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AppError('REQUEST_INVALID', `limit must be an integer from 1 to ${max}, got "${raw}"`)
  return n
}
