import { DeliverPolicy, jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node'
import { AppError } from '../core/errors.js'
import type { Appended, EventLog, LogEntry, NewLogEntry } from './event-log.js'

export interface NatsLogOptions {
  /** The JetStream stream (created when missing); its one subject is `<stream>.events`. */
  stream?: string
  /** Copies of each message in a JetStream cluster (1 on a single server). */
  replicas?: number
  /** How long JetStream remembers a message id to drop a repeat (the store's unique messageId is the second line). */
  duplicateWindowMs?: number
  /** How long to try to reach the server before giving up with an error naming the URL. */
  connectTimeoutMs?: number
}

const ID_HEADER = 'Nats-Msg-Id'

/**
 * The event log on NATS JetStream: a stream with file storage; an append publishes each entry with
 * its id as `Nats-Msg-Id` and resolves on JetStream's acknowledgements (stored, and replicated when
 * replicas > 1), so JetStream's de-duplication window is the first line of idempotency. Positions
 * are the stream's sequence numbers.
 */
export class NatsLog implements EventLog {
  readonly kind = 'nats' as const

  private constructor(
    private readonly url: string,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  static async open(url: string, opts: NatsLogOptions = {}): Promise<NatsLog> {
    const stream = opts.stream ?? 'SALESTWIN'
    let nc: NatsConnection
    try {
      nc = await connect({ servers: url, timeout: opts.connectTimeoutMs ?? 3000, maxReconnectAttempts: -1, waitOnFirstConnect: false })
    } catch (err) {
      throw new AppError('LOG_UNAVAILABLE', `cannot reach the NATS server at ${url}: ${(err as Error).message}`, { cause: err })
    }
    try {
      const jsm = await jetstreamManager(nc)
      const config = { name: stream, subjects: [`${stream}.events`], storage: StorageType.File, num_replicas: opts.replicas ?? 1, duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000) }
      await jsm.streams.info(stream).then(
        () => jsm.streams.update(stream, { num_replicas: config.num_replicas, duplicate_window: config.duplicate_window }),
        () => jsm.streams.add(config),
      )
      return new NatsLog(url, nc, jetstream(nc), jsm, stream)
    } catch (err) {
      await nc.close()
      throw new AppError('LOG_UNAVAILABLE', `NATS at ${url} has no usable JetStream for stream ${stream}: ${(err as Error).message}`, { cause: err })
    }
  }

  get describe(): string {
    return `NATS JetStream ${this.url}, stream ${this.stream}`
  }

  async append(entries: readonly NewLogEntry[]): Promise<Appended[]> {
    // Published together, acknowledged each; the order of the stream is the order of publishing on one connection.
    const acks = await Promise.all(entries.map((e) => this.js.publish(`${this.stream}.events`, e.data, { msgID: e.id })))
    return acks.map((a) => ({ position: a.seq, duplicate: a.duplicate }))
  }

  async read(after: number, limit: number): Promise<LogEntry[]> {
    const head = await this.head()
    const want = Math.min(limit, head - after)
    if (want <= 0) return []
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 })
    const out: LogEntry[] = []
    try {
      const messages = await consumer.fetch({ max_messages: want, expires: 5000 })
      for await (const m of messages) {
        out.push({ position: m.seq, id: m.headers?.get(ID_HEADER) ?? '', data: m.string() })
        if (out.length >= want) break
      }
    } finally {
      await consumer.delete().catch(() => undefined) // an ordered consumer is ephemeral: this only frees it early
    }
    return out
  }

  async head(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.last_seq
  }

  /** Removes the stream and everything in it (tests). */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.stream)
  }

  async close(): Promise<void> {
    await this.nc.drain()
  }
}
