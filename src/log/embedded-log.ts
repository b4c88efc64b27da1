import Database from 'better-sqlite3'
import type { Appended, EventLog, LogEntry, NewLogEntry } from './event-log.js'

interface Pending {
  entries: readonly NewLogEntry[]
  resolve: (r: Appended[]) => void
  reject: (err: unknown) => void
}

/**
 * The embedded event log: an append-only table in its own SQLite file (WAL, `synchronous = FULL`,
 * so an acknowledged append survives a power cut too). Appends that arrive together are committed
 * together — one fsync for all of them (group commit, as the store's writer does, decision 0001).
 * An id is kept for good: a repeated one is never appended again.
 */
export class EmbeddedLog implements EventLog {
  readonly kind = 'embedded' as const
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private readonly byId: Database.Statement
  private readonly page: Database.Statement
  private readonly last: Database.Statement
  private queue: Pending[] = []
  private flushing = false

  constructor(readonly path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.exec('CREATE TABLE IF NOT EXISTS log (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL)')
    this.insert = this.db.prepare('INSERT INTO log (id, data) VALUES (?, ?)')
    this.byId = this.db.prepare('SELECT position FROM log WHERE id = ?').pluck()
    this.page = this.db.prepare('SELECT position, id, data FROM log WHERE position > ? ORDER BY position LIMIT ?')
    this.last = this.db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0)").pluck()
  }

  get describe(): string {
    return `embedded log ${this.path}`
  }

  append(entries: readonly NewLogEntry[]): Promise<Appended[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject })
      if (!this.flushing) {
        this.flushing = true
        // The requests already on their way queue first: one commit then covers them all.
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    const jobs = this.queue
    this.queue = []
    this.flushing = false
    try {
      const results = this.db.transaction(() =>
        jobs.map((job) =>
          job.entries.map((e): Appended => {
            // Looked up first: a refused insert would still use up a position and leave a gap.
            const seen = this.byId.get(e.id) as number | bigint | undefined
            if (seen !== undefined) return { position: Number(seen), duplicate: true }
            return { position: Number(this.insert.run(e.id, e.data).lastInsertRowid), duplicate: false }
          }),
        ),
      )()
      jobs.forEach((job, i) => job.resolve(results[i]!))
    } catch (err) {
      for (const job of jobs) job.reject(err)
    }
  }

  async read(after: number, limit: number): Promise<LogEntry[]> {
    return this.page.all(after, limit) as LogEntry[]
  }

  async head(): Promise<number> {
    return Number(this.last.get())
  }

  async close(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) await new Promise((r) => setImmediate(r))
    this.db.close()
  }
}
