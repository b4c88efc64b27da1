import { AppError } from '../core/errors.js'

/** A clock in milliseconds (performance.now in the server; tests pass their own). */
export type Clock = () => number

/**
 * Sheds collection requests by how long requests actually wait, as CoDel does for packets: a queue
 * bound in events cannot see the wait that builds up before the write queue — bodies read and
 * parsed, events validated, all on the one event loop. Two signals, each against `maxDelayMs`:
 * - the age of the oldest request admitted and not yet answered (leading: it grows at once when
 *   the server falls behind, and falls as soon as it catches up);
 * - the recent time to answer, smoothed, decaying with time when nothing is answered (lagging: it
 *   keeps shedding while the backlog drains).
 * A shed request is refused in `onRequest`, before its body is read: refusing costs microseconds.
 */
export class LoadShedder {
  private readonly admitted = new Map<number, number>()
  private nextId = 0
  private smoothedMs = 0
  private smoothedAt = 0

  constructor(
    private readonly maxDelayMs: number,
    private readonly now: Clock = () => performance.now(),
  ) {}

  /** Admits a request (returns its ticket for {@link done}) or refuses it with OVERLOADED and Retry-After. */
  admit(): { ticket: number } | { refused: AppError } {
    const delayMs = this.delayMs()
    if (delayMs > this.maxDelayMs) {
      const retryAfterSeconds = Math.max(1, Math.ceil(delayMs / 1000))
      return {
        refused: new AppError('OVERLOADED', `collection is answering in ${Math.round(delayMs)} ms (bound ${this.maxDelayMs} ms); retry after ${retryAfterSeconds} s`, { retryAfterSeconds }),
      }
    }
    const ticket = this.nextId++
    this.admitted.set(ticket, this.now())
    return { ticket }
  }

  /** The request of `ticket` was answered (or failed). */
  done(ticket: number): void {
    const started = this.admitted.get(ticket)
    if (started === undefined) return
    this.admitted.delete(ticket)
    const now = this.now()
    this.smoothedMs = this.decayed(now) * (1 - SMOOTHING) + (now - started) * SMOOTHING
    this.smoothedAt = now
  }

  /** The wait a request arriving now should expect, by both signals. */
  delayMs(): number {
    const now = this.now()
    // Map iteration follows insertion: the first admitted request still open is the oldest.
    const oldest = this.admitted.values().next()
    const oldestAge = oldest.done ? 0 : now - oldest.value
    return Math.max(oldestAge, this.decayed(now))
  }

  private decayed(now: number): number {
    return this.smoothedMs * Math.exp(-(now - this.smoothedAt) / DECAY_MS)
  }
}

/** Weight of the newest answer in the smoothed time to answer. */
const SMOOTHING = 0.2
/** Time constant with which the smoothed time to answer fades when nothing is answered. */
const DECAY_MS = 1000
