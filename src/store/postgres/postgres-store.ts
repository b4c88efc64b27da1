import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database as Schema } from '../schema.js'
import { migrateToLatest } from '../migrations.js'
import { SqlStore } from '../sql-store.js'
import { PostgresWriter } from './postgres-writer.js'

export interface PostgresOptions {
  /** Schema to keep the tables in (created if missing); tests use a fresh one each. */
  schema?: string
  poolSize?: number
}

/**
 * Opens (and migrates) a PostgreSQL store.
 *
 * @example
 * const store = await openPostgresStore('postgres://127.0.0.1:5432/salestwin')
 */
export async function openPostgresStore(url: string, opts: PostgresOptions = {}): Promise<SqlStore> {
  const schema = opts.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`postgres schema must match [a-z_][a-z0-9_]*, got "${schema}"`)
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // JIT compilation pays for long analytical queries; for ours — a page of 5,000 rows by index — it
    // added ~280 ms to a query of 11 ms (issue 15, BENCHMARKS.md), so it is off for salestwin's sessions.
    options: ['-c jit=off', ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  })
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) })
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
    await migrateToLatest(db, 'postgres', schema)
    return new SqlStore(db, 'postgres', new PostgresWriter(pool))
  } catch (err) {
    await db.destroy()
    throw err
  }
}
