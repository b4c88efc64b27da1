import { AppError } from './errors.js'

/**
 * A time given as a request or option parameter, normalized to ISO-8601 UTC with milliseconds
 * (so that times compare as text); REQUEST_INVALID naming the parameter when it is no time.
 *
 * @example
 * timeParam('from', '2026-01-01') // → '2026-01-01T00:00:00.000Z'
 */
export function timeParam(name: string, raw: string): string {
  const ms = Date.parse(raw)
  if (Number.isNaN(ms)) throw new AppError('REQUEST_INVALID', `${name} must be an ISO-8601 date, got "${raw}"`)
  return new Date(ms).toISOString()
}
