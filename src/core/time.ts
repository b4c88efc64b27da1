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

/** One day in milliseconds. */
export const DAY_MS = 86_400_000

/** The earliest time salestwin takes for an event or a consent decision. */
export const EARLIEST_TIME = '1970-01-01T00:00:00.000Z'
/** How far past the time received an event's (corrected) time may lie before it is set to the time received. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
/** How far past the time received a time may lie at all; beyond, it is implausible and refused. */
export const MAX_FUTURE_DAYS = 365

/**
 * Why a sender's time cannot be right, or null: before 1970, or more than {@link MAX_FUTURE_DAYS}
 * after the time it was received. Both times are ISO-8601 UTC.
 *
 * @example
 * implausibleTime('9999-01-01T00:00:00.000Z', '2026-12-01T08:00:00.000Z')
 * // → 'must be at most 365 days after it was received (2026-12-01T08:00:00.000Z)'
 */
export function implausibleTime(iso: string, receivedAt: string): string | null {
  if (iso < EARLIEST_TIME) return `must be at or after ${EARLIEST_TIME.replace('.000Z', 'Z')}`
  if (Date.parse(iso) > Date.parse(receivedAt) + MAX_FUTURE_DAYS * 86_400_000) return `must be at most ${MAX_FUTURE_DAYS} days after it was received (${receivedAt})`
  return null
}
