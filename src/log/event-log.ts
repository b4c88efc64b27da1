/** One entry to append: its id de-duplicates (a Segment messageId, qualified by source), its data is the validated event as JSON. */
export interface NewLogEntry {
  id: string
  data: string
}

export interface LogEntry extends NewLogEntry {
  /** Its place in the log: 1, 2, 3, … in append order, never reused. */
  position: number
}

/** What an append did with one entry: where it is, and whether it was there already (same id). */
export interface Appended {
  position: number
  duplicate: boolean
}

/**
 * The event log between collection and processing (issue 13; docs/events.md): collection appends
 * validated events and acknowledges once the append is durable; the processor reads them in order
 * behind it. Two kinds: embedded (a SQLite file beside the store, embedded-log.ts) and NATS
 * JetStream (nats-log.ts). The same contract suite runs against both (test/log/).
 */
export interface EventLog {
  readonly kind: 'embedded' | 'nats'
  /** Where it is, for logs and errors (a path, or the NATS URL and stream). */
  readonly describe: string
  /** Appends in order; resolves when every entry is durable. An id seen before is not appended again: its first position is returned. */
  append(entries: readonly NewLogEntry[]): Promise<Appended[]>
  /** The entries after a position, in order, at most `limit`. */
  read(after: number, limit: number): Promise<LogEntry[]>
  /** The last position appended (0 when empty). */
  head(): Promise<number>
  close(): Promise<void>
}
