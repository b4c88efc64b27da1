import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import { hashSecret } from '../src/core/ids.js'
import { migrationProvider } from '../src/store/migrations.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'

describe('migration 0006 (keys, consent, audit) on an existing store', () => {
  it('hashes the write keys sources had, so existing senders keep working, and drops the plaintext', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'st-migrate-')), 'old.db')
    // A store as the previous release left it: migrated up to 0005, one source with a plaintext key.
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) })
    const { error } = await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('0005_spend')
    expect(error).toBeUndefined()
    await old.insertInto('sources').values({ name: 'web', write_key: 'wk_old_plaintext_key', created_at: '2025-01-01T00:00:00.000Z' }).execute()
    await old.destroy()

    const store = await openSqliteStore(file)
    try {
      expect(await store.access.listSources()).toEqual([{ name: 'web', createdAt: '2025-01-01T00:00:00.000Z' }])
      expect(await store.access.findApiKeyByHash(hashSecret('wk_old_plaintext_key'))).toMatchObject({ role: 'source', source: 'web', name: 'web', revokedAt: null })
      expect(JSON.stringify(await store.dumpTables())).not.toContain('wk_old_plaintext_key')
      expect(await store.consent.suppressionSalt()).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      await store.close()
    }
  })
})
