import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database as Schema } from '../schema.js'
import { migrateToLatest, MigratorSetupError } from '../migrations.js'
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
    await migrateRetryingVanishedSchemas(db, schema)
    return new SqlStore(db, 'postgres', new PostgresWriter(pool))
  } catch (err) {
    await db.destroy()
    throw err
  }
}

/**
 * Kysely's migrator first lists the tables of every schema of the database, calling
 * pg_get_serial_sequence by name for each column; another schema's DDL at that moment (another
 * salestwin of the same database starting, or closing and dropping its schema, as tests do) makes
 * that fail with 3F000 "schema … does not exist" or 42703 "column … does not exist" for the other
 * schema's tables. Nothing of ours ran then (MigratorSetupError): list again.
 */
async function migrateRetryingVanishedSchemas(db: Kysely<Schema>, schema: string | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateToLatest(db, 'postgres', schema)
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code
      if (!(err instanceof MigratorSetupError) || !['3F000', '42703', '42P01'].includes(code ?? '') || attempt >= 5) throw err
      await new Promise((r) => setTimeout(r, 20 * attempt))
    }
  }
}
