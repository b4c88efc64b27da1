import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import type { Store } from '../src/store/store.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres } from './helpers/stores.js'

const line = { at: '2026-01-01T00:00:00.000Z', keyId: 'key_1', actor: 'agent', role: 'agent', action: 'profile.read', profileId: 'p1', purpose: 'customer_service', detail: {} }
const pgUp = (await probePostgres()).ok || POSTGRES_REQUIRED
const append = (store: Store) => store.write((tx) => tx.appendAudit([line]))

/** The audit log is append-only in the database itself, not only by the API's lack of routes. */
describe('audit log: append-only in the database', () => {
  it('SQLite refuses UPDATE and DELETE on audit_log', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'st-audit-')), 'audit.db')
    const store = await openSqliteStore(file)
    await append(store)
    const db = new Database(file)
    try {
      expect(() => db.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow('the audit log is append-only')
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow('the audit log is append-only')
      expect(db.prepare('SELECT actor FROM audit_log').pluck().all()).toEqual(['agent'])
    } finally {
      db.close()
      await store.close()
    }
  })

  it.skipIf(!pgUp)('PostgreSQL refuses UPDATE, DELETE and TRUNCATE on audit_log', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const store = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 2 })
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      await append(store)
      await client.query(`SET search_path = ${schema}`)
      await expect(client.query("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow('the audit log is append-only')
      await expect(client.query('DELETE FROM audit_log')).rejects.toThrow('the audit log is append-only')
      await expect(client.query('TRUNCATE audit_log')).rejects.toThrow('the audit log is append-only')
      expect((await client.query('SELECT actor FROM audit_log')).rows).toEqual([{ actor: 'agent' }])
    } finally {
      await store.close()
      await client.query(`DROP SCHEMA ${schema} CASCADE`)
      await client.end()
    }
  })
})
