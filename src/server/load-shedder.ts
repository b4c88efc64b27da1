import { performance } from 'node:perf_hooks'
import { AppError } from '../core/errors.js'

/** A clock in milliseconds (performance.now in the server; tests pass their own). */
export type Clock = () => number
/** The share of time the event loop was busy since the previous call (tests pass their own). */
export type Utilization = () => number

/** The event loop's utilization since the previous call, from Node's own measure. */
export function eventLoopUtilization(): Utilization {
  let last = performance.eventLoopUtilization()
  return () => {
    const now = performance.eventLoopUtilization()
    const u = performance.eventLoopUtilization(now, last).utilization
    last = now
    return u
  }
}

/**
 * Sheds collection requests by how long requests actually wait, as CoDel does for packets: a queue
 * bound in events cannot see the wait that builds up before the write queue — bodies read and
 * parsed, events validated, all on the one event loop. Three signals:
 * - against `maxDelayMs`, the age of the oldest request admitted and not yet answered (leading: it grows at once when
 *   the server falls behind, and falls as soon as it catches up);
 * - against `maxDelayMs` too, the recent time to answer, smoothed, decaying with time when nothing is answered (lagging: it
 *   keeps shedding while the backlog drains).
 * - how busy the event loop is: a loop that is busy nearly all the time cannot even accept new
 *   connections in time, and they wait in the kernel's accept queue, where no request timer can see
 *   them (bench:overload measured 10–24 s there, with ListenOverflows). Above `busyShare` (0.95) the share
 *   of requests admitted falls (×0.7 every 200 ms), below it it climbs back (AIMD), so the loop keeps
 *   the headroom to accept, refuse and answer /health and reads.
 * A shed request is refused in `onRequest`, before its body is read: refusing costs microseconds.
 */
export class LoadShedder {
  private readonly admitted = new Map<number, number>()
  private nextId = 0
  private smoothedMs = 0
  private smoothedAt = 0

  /** The share of requests admitted while the loop is too busy, 1 when it is not. */
  private admitShare = 1
  private credit = 0
  private sampledAt: number

  constructor(
    private readonly maxDelayMs: number,
    private readonly now: Clock = () => performance.now(),
    private readonly utilization: Utilization = eventLoopUtilization(),
    private readonly busyShare = 0.95,
  ) {
    this.sampledAt = now()
  }

  /** Admits a request (returns its ticket for {@link done}) or refuses it with OVERLOADED and Retry-After. */
  admit(): { ticket: number } | { refused: AppError } {
    const delayMs = this.delayMs()
    if (delayMs > this.maxDelayMs) {
      const retryAfterSeconds = Math.max(1, Math.ceil(delayMs / 1000))
      return {
        refused: new AppError('OVERLOADED', `collection is answering in ${Math.round(delayMs)} ms (bound ${this.maxDelayMs} ms); retry after ${retryAfterSeconds} s`, { retryAfterSeconds }),
      }
    }
    this.adjustShare()
    // Admit `admitShare` of the requests, evenly (a credit counter, not chance: the same load sheds alike).
    this.credit += this.admitShare
    if (this.credit < 1) {
      return { refused: new AppError('OVERLOADED', `collection is at capacity (event loop busy, admitting ${Math.round(this.admitShare * 100)} % of requests); retry after 1 s`, { retryAfterSeconds: 1 }) }
    }
    this.credit -= 1
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

  private adjustShare(): void {
    const now = this.now()
    if (now - this.sampledAt < SAMPLE_MS) return
    this.sampledAt = now
    const busy = this.utilization()
    this.admitShare = busy > this.busyShare ? Math.max(MIN_SHARE, this.admitShare * 0.7) : Math.min(1, this.admitShare * 1.2 + 0.02)
  }

  private decayed(now: number): number {
    return this.smoothedMs * Math.exp(-(now - this.smoothedAt) / DECAY_MS)
  }
}

/** How often the event loop's utilization is sampled. */
const SAMPLE_MS = 200
/**
 * Even a saturated loop admits this share: the answer time keeps being measured, and reads that
 * keep the loop busy (48 agents polling) slow collection down but cannot stop it.
 */
const MIN_SHARE = 0.1
/** Weight of the newest answer in the smoothed time to answer. */
const SMOOTHING = 0.2
/** Time constant with which the smoothed time to answer fades when nothing is answered. */
const DECAY_MS = 1000
