import type { IdentityPolicy } from '../identity/identity-graph.js'
import type { EventLog, LogEntry } from '../log/event-log.js'
import type { NewQuarantineEntry, Store } from '../store/store.js'
import type { Collector, LoggedEvent } from './collector.js'
import { writeBatch } from './write-batch.js'

export interface ProcessorOptions {
  /** The position row it keeps (one per processor; several nodes share one, issue 13 point 3). */
  name?: string
  /** Log entries applied per store transaction at most. */
  batch?: number
  /** How long it sleeps when it has caught up and nothing woke it. */
  idleMs?: number
  onError?: (err: unknown) => void
}

/**
 * The log processor (issue 13, point 2): drains the event log in order into the store — identity,
 * profiles, events, data-quality warnings; the consent was recorded at the door — and records its log
 * position in the same transaction as the rows it wrote. After a crash it resumes from that
 * position, and entries applied twice change nothing (the store's unique (source, messageId) keeps
 * each event once). After each batch the collector's listeners get the stored events, as after
 * the collector's own commits.
 */
export class LogProcessor {
  private position = 0
  /** The highest position it knows the log has (its reads, and the collector's appends). */
  private knownHead = 0
  private running = false
  private loop: Promise<void> | null = null
  private wakeUp: (() => void) | null = null
  private waiters: { position: number; resolve: () => void }[] = []
  private readonly name: string

  constructor(
    private readonly store: Store,
    private readonly log: EventLog,
    private readonly collector: Collector,
    private readonly policy: IdentityPolicy,
    private readonly opts: ProcessorOptions = {},
  ) {
    this.name = opts.name ?? 'main'
  }

  /** Reads its position from the store and starts applying behind it. */
  async start(): Promise<this> {
    this.position = await this.store.events.logPosition(this.name)
    this.knownHead = Math.max(this.knownHead, await this.log.head())
    this.running = true
    this.loop = this.run()
    return this
  }

  /** Stops after the batch in hand (its transaction commits or not, as a whole). */
  async stop(): Promise<void> {
    this.running = false
    this.wake()
    await this.loop
    for (const w of this.waiters.splice(0)) w.resolve()
  }

  /** The last log position applied to the store. */
  get applied(): number {
    return this.position
  }

  /** Entries in the log not applied yet, as far as this node knows (no round trip: collection asks on every request). */
  get behind(): number {
    return Math.max(0, this.knownHead - this.position)
  }

  /** Where the log is and how far it is applied, for /health and /v1/stats. */
  get status(): { kind: string; applied: number; behind: number } {
    return { kind: this.log.kind, applied: this.position, behind: this.behind }
  }

  /** Asks it to look at the log now: the collector calls it after each append, with the highest position appended. */
  wake(appendedUpTo = 0): void {
    this.knownHead = Math.max(this.knownHead, appendedUpTo)
    this.wakeUp?.()
  }

  /** Resolves true once the position is applied, false after `timeoutMs` (read-your-writes). */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true)
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(this.position >= position) }
      this.waiters.push(waiter)
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        resolve(this.position >= position)
      }, timeoutMs).unref()
    })
  }

  /** Applies one batch of what the log holds after its position; the number of entries applied. */
  async step(): Promise<number> {
    const entries = await this.log.read(this.position, this.opts.batch ?? 2000)
    if (entries.length === 0) return 0
    const { events, senders, warned, broken } = parseEntries(entries)
    const last = entries.at(-1)!.position
    const { stored } = await this.store.write(async (tx) => {
      const r = await writeBatch(tx, events, broken, this.policy, senders, warned, { consentAtDoor: true })
      await tx.setLogPosition(this.name, last)
      return r
    })
    this.position = last
    this.knownHead = Math.max(this.knownHead, last)
    this.collector.emitStored(stored)
    const [done, waiting] = [this.waiters.filter((w) => w.position <= last), this.waiters.filter((w) => w.position > last)]
    this.waiters = waiting
    for (const w of done) w.resolve()
    return entries.length
  }

  private async run(): Promise<void> {
    let backoff = 50
    while (this.running) {
      try {
        const n = await this.step()
        backoff = 50
        if (n === 0) await this.idle(this.opts.idleMs ?? 20)
      } catch (err) {
        // The store or the log did not answer: nothing of the batch was applied; try it again.
        this.opts.onError?.(err)
        await this.idle(backoff)
        backoff = Math.min(5000, backoff * 2)
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = () => {
        this.wakeUp = null
        done()
      }
    })
  }
}

/** The logged events of some entries; an entry that is not one goes to the quarantine with the reason, and the processor moves on. */
function parseEntries(entries: readonly LogEntry[]): { events: LoggedEvent['event'][]; senders: LoggedEvent['sender'][]; warned: NewQuarantineEntry[][]; broken: NewQuarantineEntry[] } {
  const out = { events: [] as LoggedEvent['event'][], senders: [] as LoggedEvent['sender'][], warned: [] as NewQuarantineEntry[][], broken: [] as NewQuarantineEntry[] }
  for (const entry of entries) {
    try {
      const logged = JSON.parse(entry.data) as LoggedEvent
      if (typeof logged?.event?.messageId !== 'string' || typeof logged.event.source !== 'string') throw new Error('it holds no event with a source and a messageId')
      out.events.push(logged.event)
      out.senders.push(logged.sender)
      out.warned.push(logged.warned ?? [])
    } catch (err) {
      const [source, ...rest] = entry.id.split('/')
      out.broken.push({ source: source ?? 'unknown', receivedAt: new Date().toISOString(), messageId: rest.join('/') || null, reason: `log entry ${entry.position} could not be applied: ${(err as Error).message}`, raw: entry.data })
    }
  }
  return out
}
