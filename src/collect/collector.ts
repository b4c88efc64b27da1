import { AppError } from '../core/errors.js'
import type { CollectedEvent, EventType } from '../core/event.js'
import type { IdentifierRules } from '../identity/extract-identifiers.js'
import type { IdentityPolicy } from '../identity/identity-graph.js'
import type { ConsentPolicy } from '../consent/rules.js'
import type { NewQuarantineEntry, Store, StoredEvent } from '../store/store.js'
import { parseEvent } from './parse-event.js'
import { consentAtTheDoor, sourceSender, writeBatch, type EventSender, type WriteStatus } from './write-batch.js'
import type { EventLog } from '../log/event-log.js'
import { eventKey } from '../store/store.js'

/** What the log holds per event: the validated event, who sent it (for the audit), and its data-quality warnings. */
export interface LoggedEvent {
  event: CollectedEvent
  sender: EventSender
  warned: NewQuarantineEntry[]
}

/** One raw message of a request or file, with where it came from for error messages. */
export interface RawItem {
  raw: unknown
  /** `batch[3]`, `line 17`, or '' for a single-event request. */
  path: string
  defaultType?: EventType
}

export type ItemResult =
  | { status: WriteStatus; messageId: string; warnings: string[]; position?: number }
  | { status: 'rejected'; reason: string; messageId: string | null }

export interface CollectorOptions {
  rules: IdentifierRules
  policy: IdentityPolicy
  defaultCurrency: string
  consentPolicy: ConsentPolicy
  /** Events waiting for the store beyond which `collect` refuses with OVERLOADED. */
  maxQueuedEvents: number
  /**
   * Longest expected wait in the queue, by the measured commit rate, beyond which
   * {@link Collector.isOverloaded} says so: the HTTP routes then refuse with OVERLOADED and
   * Retry-After, and the sender retries later instead of waiting seconds. (Importers and the demo
   * wait instead: they have no one to retry for them.)
   */
  maxAckDelayMs?: number
  /** Most events one transaction takes (group commit across requests). */
  maxEventsPerTransaction?: number
  /**
   * The event log to acknowledge on (issue 13): valid events are appended to it and acknowledged as
   * `accepted` once durable there, after their consent changes and the rejected messages were
   * written to the store; the log processor applies them behind (processor.ts). Without a log the
   * collector writes the store itself before it acknowledges (`stored`).
   */
  log?: EventLog
  /**
   * Log mode: how far the processor is behind, and the bound beyond which collection refuses with
   * LOG_BACKLOG (503, Retry-After) so that the log and memory stay bounded and senders retry.
   */
  backlog?: { behind: () => number; max: number }
}

interface Job {
  sender: EventSender
  events: CollectedEvent[]
  rejected: NewQuarantineEntry[]
  /** Per event, the quarantine warnings to keep if it is stored (not for a duplicate). */
  warned: NewQuarantineEntry[][]
  resolve: (statuses: { status: WriteStatus; position?: number }[]) => void
  reject: (err: unknown) => void
}

/**
 * The one way into the store: HTTP, importers and the demo all call {@link Collector.collect}.
 * Messages are validated by the caller's request; valid ones wait in a queue that a single
 * writer drains in transactions of many requests at once (group commit), so the promise
 * resolves only when the events are durable.
 */
export class Collector {
  private queue: Job[] = []
  private queuedEvents = 0
  private draining: Promise<void> | null = null
  /** Events committed per millisecond, smoothed over recent commits; null before the first. */
  private commitRate: number | null = null
  private readonly listeners: ((stored: StoredEvent[]) => Promise<void>)[] = []
  private readonly listening = new Set<Promise<void>>()
  private readonly appendListeners: ((appendedUpTo: number) => void)[] = []

  constructor(
    private readonly store: Store,
    private readonly opts: CollectorOptions,
  ) {}

  /**
   * Calls `listener` with the events of every commit that were stored (not duplicates), with their
   * profiles, after the commit — e.g. decide/ reading outcomes and goals off them. A listener that
   * fails is reported to `onError`; collection goes on.
   */
  onStored(listener: (stored: StoredEvent[]) => Promise<void>, onError: (err: unknown) => void): void {
    this.listeners.push((stored) => listener(stored).catch(onError))
  }

  /**
   * Calls the listeners with events just committed: the collector after its own commits, the log
   * processor after each of its batches. Synchronously up to each listener's first await, so what a
   * listener does first happens before the commit's 2xx.
   */
  emitStored(stored: StoredEvent[]): void {
    if (stored.length === 0) return
    for (const listener of this.listeners) {
      const call = listener(stored).finally(() => this.listening.delete(call))
      this.listening.add(call)
    }
  }

  /** Log mode: the consent changes and the rejected messages into the store, then the events into the log; durable when it resolves. */
  private async appendToLog(log: EventLog, events: CollectedEvent[], rejected: NewQuarantineEntry[], senders: EventSender[], warned: NewQuarantineEntry[][]): Promise<{ status: WriteStatus; position: number }[]> {
    if (rejected.length > 0 || events.some((e) => e.consent.length > 0)) {
      await this.store.write(async (tx) => {
        await consentAtTheDoor(tx, events, senders)
        if (rejected.length > 0) await tx.quarantine(rejected)
      })
    }
    if (events.length === 0) return []
    const appended = await log.append(events.map((event, i) => ({ id: eventKey(event), data: JSON.stringify({ event, sender: senders[i] ?? sourceSender(event.source), warned: warned[i] ?? [] } satisfies LoggedEvent) })))
    const upTo = Math.max(...appended.map((a) => a.position))
    for (const fn of this.appendListeners) fn(upTo)
    return appended.map((a) => ({ status: a.duplicate ? 'duplicate' : 'accepted', position: a.position }))
  }

  /** Log mode: calls `fn` after each append to the log with the highest position appended (the processor wakes up on it). */
  onAppended(fn: (appendedUpTo: number) => void): void {
    this.appendListeners.push(fn)
  }

  /** Resolves when every listener call for the commits so far has finished (before the store closes). */
  async listenersIdle(): Promise<void> {
    while (this.listening.size > 0) await Promise.all([...this.listening])
  }

  /** Events accepted but not yet committed. */
  get pending(): number {
    return this.queuedEvents
  }

  /**
   * How long a request arriving now would wait for its commit, by the events queued ahead of it and
   * the rate recent commits took them at (0 before anything was committed).
   */
  expectedDelayMs(extraEvents = 0): number {
    return this.commitRate === null ? 0 : (this.queuedEvents + extraEvents) / this.commitRate
  }

  /** Whether an HTTP request of `events` events should be refused now (the routes ask before reading a body). */
  isOverloaded(events = 0): AppError | null {
    const full = this.isFull(events)
    if (full) return full
    const delayMs = this.expectedDelayMs(events)
    const bound = this.opts.maxAckDelayMs || Number.POSITIVE_INFINITY
    if (this.queuedEvents > 0 && delayMs > bound) {
      const retryAfterSeconds = Math.max(1, Math.ceil(delayMs / 1000))
      return new AppError('OVERLOADED', `collection would take ${Math.round(delayMs)} ms to acknowledge (bound ${bound} ms); retry after ${retryAfterSeconds} s`, { retryAfterSeconds })
    }
    return null
  }

  /**
   * Validates, stores and quarantines the items of one request or file chunk; resolves with
   * a result per item once everything is durable.
   *
   * @example
   * const results = await collector.collect([{ raw: { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1' }, path: 'batch[0]' }], 'web')
   */
  async collect(
    items: RawItem[],
    source: string,
    opts: { receivedAt?: Date; identifiedBy?: 'segment' | 'any'; sender?: EventSender } = {},
  ): Promise<ItemResult[]> {
    const receivedAt = opts.receivedAt ?? new Date()
    const full = this.isFull(items.length)
    if (full) throw full
    const results: (ItemResult | null)[] = []
    const events: CollectedEvent[] = []
    const eventSlots: number[] = []
    // Per event, its data-quality warnings as quarantine entries (written only if it is stored, not for a retry).
    const warned: NewQuarantineEntry[][] = []
    const rejected: NewQuarantineEntry[] = []
    items.forEach((item, i) => {
      const outcome = parseEvent(item.raw, {
        source,
        receivedAt,
        path: item.path,
        ...(item.defaultType ? { defaultType: item.defaultType } : {}),
        rules: this.opts.rules,
        defaultCurrency: this.opts.defaultCurrency,
        consentPolicy: this.opts.consentPolicy,
        identifiedBy: opts.identifiedBy ?? 'segment',
      })
      if (outcome.ok) {
        events.push(outcome.event)
        eventSlots.push(i)
        results.push(null)
        warned.push(outcome.warnings.map((reason) => ({ source, receivedAt: receivedAt.toISOString(), messageId: outcome.event.messageId, reason, severity: 'warning', raw: item.raw })))
      } else {
        rejected.push({ source, receivedAt: receivedAt.toISOString(), messageId: outcome.messageId, reason: outcome.reason, raw: item.raw })
        results.push({ status: 'rejected', reason: outcome.reason, messageId: outcome.messageId })
      }
    })
    const statuses = await this.enqueue(events, rejected, opts.sender ?? sourceSender(source), warned)
    statuses.forEach(({ status, position }, j) => {
      results[eventSlots[j]!] = { status, messageId: events[j]!.messageId, warnings: warned[j]!.map((w) => w.reason), ...(position !== undefined ? { position } : {}) }
    })
    return results as ItemResult[]
  }

  /** Resolves when everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining
  }

  private isFull(events: number): AppError | null {
    const backlog = this.opts.backlog
    if (backlog && backlog.behind() > backlog.max) {
      return new AppError('LOG_BACKLOG', `processing is ${backlog.behind()} events behind the log (bound ${backlog.max}); retry after 1 s`, { retryAfterSeconds: 1 })
    }
    if (this.queuedEvents + events <= this.opts.maxQueuedEvents) return null
    return new AppError('OVERLOADED', `collection is ${this.queuedEvents} events behind; retry after 1 s`, { retryAfterSeconds: 1 })
  }

  private noteCommit(events: number, ms: number): void {
    if (events === 0) return
    const rate = events / Math.max(ms, 0.1)
    this.commitRate = this.commitRate === null ? rate : RATE_SMOOTHING * rate + (1 - RATE_SMOOTHING) * this.commitRate
  }

  private enqueue(events: CollectedEvent[], rejected: NewQuarantineEntry[], sender: EventSender, warned: NewQuarantineEntry[][]): Promise<{ status: WriteStatus; position?: number }[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sender, events, rejected, warned, resolve, reject })
      this.queuedEvents += events.length + rejected.length
      this.draining ??= this.drain().finally(() => {
        this.draining = null
      })
    })
  }

  private async drain(): Promise<void> {
    const limit = this.opts.maxEventsPerTransaction ?? 5000
    while (this.queue.length > 0) {
      // Let the requests already on their way parse and queue first: one commit then covers
      // them all (group commit). A commit costs about as much for 300 events as for 3,000.
      await yieldToIo()
      for (let waited = 0; this.queuedEvents < limit / 2 && waited < LINGER_MAX_MS; waited += LINGER_STEP_MS) {
        await sleep(LINGER_STEP_MS)
      }
      const jobs: Job[] = []
      let size = 0
      while (this.queue.length > 0 && (jobs.length === 0 || size + this.queue[0]!.events.length <= limit)) {
        const job = this.queue.shift()!
        size += job.events.length
        jobs.push(job)
      }
      const events = jobs.flatMap((j) => j.events)
      const senders = jobs.flatMap((j) => j.events.map(() => j.sender))
      const rejected = jobs.flatMap((j) => j.rejected)
      const warned = jobs.flatMap((j) => j.warned)
      try {
        const started = performance.now()
        const statuses = this.opts.log
          ? await this.appendToLog(this.opts.log, events, rejected, senders, warned)
          : await this.store.write((tx) => writeBatch(tx, events, rejected, this.opts.policy, senders, warned)).then(({ statuses, stored }) => {
              this.emitStored(stored)
              return statuses.map((status) => ({ status }))
            })
        this.noteCommit(events.length + rejected.length, performance.now() - started)
        let offset = 0
        for (const job of jobs) {
          job.resolve(statuses.slice(offset, offset + job.events.length))
          offset += job.events.length
        }
      } catch (err) {
        const failure = new AppError('STORE_UNAVAILABLE', `the store did not take the events: ${(err as Error).message}`, {
          cause: err,
          retryAfterSeconds: 1,
        })
        for (const job of jobs) job.reject(failure)
      } finally {
        for (const job of jobs) this.queuedEvents -= job.events.length + job.rejected.length
      }
    }
  }
}

/** Weight of the newest commit in the smoothed commit rate. */
const RATE_SMOOTHING = 0.3

/** How long a small batch waits for more before it commits; bounds the latency it adds. */
const LINGER_STEP_MS = 2
const LINGER_MAX_MS = 6

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
