import { sql, type Kysely } from 'kysely'
import type { ComputedValue } from '../core/computed.js'
import type { Database } from './schema.js'

/** The value refresh's runs: each run's computed values per profile (CLV, P(alive), cluster, …) and its summary. */
export interface ValueStore {
  /**
   * Stores a value refresh: its values (in pages) beside the current run's, then its summary, which
   * makes them current at once. Until then reads see the previous run; a run that fails halfway
   * leaves it in place. Older runs' values are deleted after.
   */
  putRun(run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void>
  latestRun(): Promise<{ computedAt: string; data: Record<string, unknown> } | null>
  /** The current run's computed values of a profile. */
  of(profileId: string): Promise<ComputedValue[]>
  /** Every profile's computed value of a kind in the current run, by profile id. */
  ofKind(kind: string): Promise<ComputedValue[]>
}

export class SqlValueStore implements ValueStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  putRun(run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void> {
    return putValueRun(this.db, this.dialect, run, values)
  }

  latestRun(): Promise<{ computedAt: string; data: Record<string, unknown> } | null> {
    return latestValueRun(this.db)
  }

  of(profileId: string): Promise<ComputedValue[]> {
    return computedValuesOf(this.db, profileId)
  }

  ofKind(kind: string): Promise<ComputedValue[]> {
    return computedValuesOfKind(this.db, kind)
  }
}

/** Rows per insert and per delete: one short transaction each, so that ingest never waits long. */
const SLICE_ROWS = 2000

/**
 * After each slice, the writer rests as long as the slice took (at least 5 ms): SQLite's other
 * writer — the server's ingest, on another thread or process — waits for the lock by sleeping and
 * retrying, and back-to-back slices won that race for up to 730 ms at a time at a million
 * customers (BENCHMARKS.md, "Read side"). On SQLite it also checkpoints the WAL itself (PASSIVE:
 * it blocks no one), so that the ingest's commits do not pay for copying the refresh's pages.
 */
async function rest(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', sliceMs: number): Promise<void> {
  if (dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(db)
  await new Promise((resolve) => setTimeout(resolve, Math.max(5, sliceMs)))
}

/**
 * Value runs and the computed values they made (migration 0011). A run's values are written in
 * slices beside the current run's, then its summary row makes them current in one insert; reads
 * see only the newest run's values, so a run that fails halfway leaves the previous one in place.
 * The older runs' values are deleted after, in slices too.
 */
async function putValueRun(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void> {
  const current = await currentRun(db)
  await deleteRunsOtherThan(db, dialect, current) // what a run that failed halfway left behind
  for (const page of values) {
    for (let i = 0; i < page.length; i += SLICE_ROWS) {
      const slice = page.slice(i, i + SLICE_ROWS)
      const started = performance.now()
      await db
        .insertInto('computed_values')
        .values(slice.map((v) => ({ profile_id: v.profileId, kind: v.kind, computed_at: run.computedAt, data: JSON.stringify(v.data) })))
        .onConflict((oc) => oc.columns(['profile_id', 'kind', 'computed_at']).doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })))
        .execute()
      await rest(db, dialect, performance.now() - started)
    }
  }
  await db.insertInto('value_runs').values({ computed_at: run.computedAt, data: JSON.stringify(run.data) }).execute()
  await deleteRunsOtherThan(db, dialect, run.computedAt)
}

async function latestValueRun(db: Kysely<Database>): Promise<{ computedAt: string; data: Record<string, unknown> } | null> {
  const row = await db.selectFrom('value_runs').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst()
  return row ? { computedAt: row.computed_at, data: JSON.parse(row.data) as Record<string, unknown> } : null
}

export async function computedValuesOf(db: Kysely<Database>, profileId: string): Promise<ComputedValue[]> {
  const rows = await db.selectFrom('computed_values').selectAll().where('profile_id', '=', profileId).where('computed_at', '=', currentRunQuery(db)).orderBy('kind').execute()
  return rows.map(toComputedValue)
}

async function computedValuesOfKind(db: Kysely<Database>, kind: string): Promise<ComputedValue[]> {
  const rows = await db.selectFrom('computed_values').selectAll().where('kind', '=', kind).where('computed_at', '=', currentRunQuery(db)).orderBy('profile_id').execute()
  return rows.map(toComputedValue)
}

function currentRunQuery(db: Kysely<Database>) {
  return db.selectFrom('value_runs').select('computed_at').orderBy('id', 'desc').limit(1)
}

async function currentRun(db: Kysely<Database>): Promise<string | null> {
  return (await currentRunQuery(db).executeTakeFirst())?.computed_at ?? null
}

async function deleteRunsOtherThan(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', keep: string | null): Promise<void> {
  for (;;) {
    const started = performance.now()
    const old = db
      .selectFrom('computed_values')
      .select('profile_id')
      .where('kind', '=', 'value')
      .$if(keep !== null, (q) => q.where('computed_at', '<>', keep!))
      .limit(SLICE_ROWS)
    const result = await db
      .deleteFrom('computed_values')
      .where('kind', '=', 'value')
      .$if(keep !== null, (q) => q.where('computed_at', '<>', keep!))
      .where('profile_id', 'in', old)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) return
    await rest(db, dialect, performance.now() - started)
  }
}

function toComputedValue(r: Database['computed_values']): ComputedValue {
  return { profileId: r.profile_id, kind: r.kind, computedAt: r.computed_at, data: JSON.parse(r.data) as Record<string, unknown> }
}
