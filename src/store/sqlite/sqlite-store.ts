import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { migrateToLatest } from '../migrations.js'
import type { Database as Schema } from '../schema.js'
import { SqlStore } from '../sql-store.js'
import { SqliteWriter } from './sqlite-writer.js'

/**
 * Opens (and migrates) the embedded store: one SQLite file in WAL mode, a read connection for
 * Kysely and a write connection for the single writer. synchronous=FULL makes every commit
 * durable before the collection API answers 2xx.
 *
 * @example
 * const store = await openSqliteStore('./salestwin.db')
 */
export async function openSqliteStore(path: string): Promise<SqlStore> {
  // Reader and writer are two connections, which two ':memory:' databases cannot be: use a scratch file.
  const file = path === ':memory:' ? join(tmpdir(), `salestwin-${randomUUID()}.db`) : path
  const open = () => {
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 10000')
    db.pragma('cache_size = -65536') // 64 MiB page cache
    // Deleted rows are overwritten with zeros, in the table and index pages and the pages freed:
    // an erased person must not stay readable in free space (issue 10, docs/privacy.md).
    db.pragma('secure_delete = ON')
    return db
  }
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: open() }) })
  await migrateToLatest(db, 'sqlite')
  return new SqlStore(db, 'sqlite', new SqliteWriter(open()))
}
