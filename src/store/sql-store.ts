import { sql, type Kysely } from 'kysely'
import { SqlAccessStore } from './access.js'
import { SqlConsentStore } from './consent.js'
import { SqlEventStore } from './events.js'
import { SqlJourneyStore } from './journeys.js'
import { SqlProfileStore } from './profiles.js'
import { SqlResultStore } from './results.js'
import type { Database } from './schema.js'
import type { Store, WriteTx } from './store.js'
import { SqlValueStore } from './value-runs.js'
import { SqlDecisionStore } from './decisions.js'
import { SqlDeliveryStore } from './deliveries.js'

/** The dialect's write side (`sqlite/sqlite-writer.ts`, `postgres/postgres-writer.ts`). */
export interface Writer {
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>
  /** Resolves when the clean-up after erasures (WAL truncation, VACUUM) is done. */
  settled(): Promise<void>
  /** Rewrites the tables erasures touch so that no freed byte is left in the files. */
  compact(): Promise<void>
  close?(): void | Promise<void>
}

/**
 * The Store over Kysely, shared by both dialects: its parts read and write through one Kysely
 * instance, the ingest writes through the dialect's {@link Writer}; `sqlite/` and `postgres/` only
 * open the connections and set the dialect's knobs.
 */
export class SqlStore implements Store {
  readonly profiles: SqlProfileStore
  readonly events: SqlEventStore
  readonly consent: SqlConsentStore
  readonly access: SqlAccessStore
  readonly values: SqlValueStore
  readonly results: SqlResultStore
  readonly journeys: SqlJourneyStore
  readonly decisions: SqlDecisionStore
  readonly deliveries: SqlDeliveryStore

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly writer: Writer,
  ) {
    this.profiles = new SqlProfileStore(db, dialect)
    this.events = new SqlEventStore(db)
    this.consent = new SqlConsentStore(db)
    this.access = new SqlAccessStore(db)
    this.values = new SqlValueStore(db, dialect)
    this.results = new SqlResultStore(db)
    this.journeys = new SqlJourneyStore(db)
    this.decisions = new SqlDecisionStore(db)
    this.deliveries = new SqlDeliveryStore(db)
  }

  async close(): Promise<void> {
    await this.writer.close?.()
    await this.db.destroy()
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.writer.write(fn)
  }

  settled(): Promise<void> {
    return this.writer.settled()
  }

  compact(): Promise<void> {
    return this.writer.compact()
  }

  async dumpTables(): Promise<Record<string, string>> {
    // Every table the database has (from its catalog), so that a table added later is searched too.
    // PostgreSQL's catalog spans every schema; this store's tables are those of its search path's first.
    const schema = this.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(this.db)).rows[0]?.s : undefined
    const tables = (await this.db.introspection.getTables())
      .filter((t) => (schema === undefined || t.schema === schema) && !t.name.startsWith('kysely_'))
      .map((t) => t.name)
    const out: Record<string, string> = {}
    for (const table of tables) out[table] = JSON.stringify(await this.db.selectFrom(table as keyof Database).selectAll().execute())
    return out
  }
}
