import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { migrationProvider } from '../src/store/migrations.js'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import type { Store } from '../src/store/store.js'
import { allRows, POSTGRES_URL } from './helpers/stores.js'

/** A store as the release before issue 15 left it (migrated to 0009), opened by `fill`, then by today's code. */
async function oldStore(kind: 'sqlite' | 'postgres', fill: (db: Kysely<any>) => Promise<void>): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), 'st-migrate-')), 'old.db')
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) })
    expect((await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo('0009_quarantine_warnings')).error).toBeUndefined()
    await fill(db)
    await db.destroy()
    return { store: await openSqliteStore(file), drop: async () => undefined }
  }
  const schema = `t_${randomBytes(6).toString('hex')}`
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, options: `-c search_path=${schema}` })
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
  await sql`create schema ${sql.id(schema)}`.execute(db)
  expect((await new Migrator({ db, provider: migrationProvider('postgres'), migrationTableSchema: schema }).migrateTo('0009_quarantine_warnings')).error).toBeUndefined()
  await fill(db)
  await db.destroy()
  const store = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 2 })
  const drop = async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  }
  return { store, drop }
}

const base = { profile_id: 'p1', identity_key: 'anonymousId:a1', event: null, received_at: '2026-01-01T00:00:00.000Z', source: 'web', channel: 'web', user_id: null, anonymous_id: 'a1', has_traits: 0, revenue: null, currency: null, cost: null }
const campaignPage = { ...base, message_id: 'm-1', type: 'page', ts: '2026-01-01T00:00:00.000Z', payload: JSON.stringify({ type: 'page', context: { campaign: { source: 'google', medium: 'cpc', name: 'brand', term: 'shoes' }, page: { referrer: 'https://www.google.de/' } } }) }
// A lone surrogate escaped in the payload (JSON.stringify writes it so; PostgreSQL's jsonb refuses it), a number as campaign name, an empty medium.
const oddPage = { ...base, message_id: 'm-2', type: 'page', ts: '2026-01-02T00:00:00.000Z', payload: '{"type":"page","properties":{"title":"\\ud800"},"context":{"campaign":{"source":"news","medium":"","name":7}}}' }
const order = { ...base, message_id: 'm-3', type: 'track', event: 'Order Completed', ts: '2026-01-03T00:00:00.000Z', revenue: 40, currency: 'EUR', payload: '{"type":"track"}' }

describe.each(['sqlite', 'postgres'] as const)('migrations 0010 to 0012 on an existing %s store', (kind) => {
  it('fills the campaign columns from the stored payloads, keeps the last refresh current and counts what is stored', async () => {
    const { store, drop } = await oldStore(kind, async (db) => {
      await db.insertInto('profiles').values({ id: 'p1', created_at: base.received_at, merged_into: null }).execute()
      await db.insertInto('events').values([campaignPage, oddPage, order]).execute()
      await db.insertInto('computed_values').values({ profile_id: 'p1', kind: 'value', computed_at: '2026-01-04T00:00:00.000Z', data: '{"clv":5}' }).execute()
      await db.insertInto('value_runs').values({ computed_at: '2026-01-04T00:00:00.000Z', data: '{}' }).execute()
    })
    try {
      expect(await allRows(store.journeys.eventPages({}))).toEqual([
        { profileId: 'p1', timestamp: campaignPage.ts, type: 'page', event: null, channel: 'web', revenue: null, utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'brand', referrer: 'https://www.google.de/' },
        { profileId: 'p1', timestamp: oddPage.ts, type: 'page', event: null, channel: 'web', revenue: null, utmSource: 'news' },
        { profileId: 'p1', timestamp: order.ts, type: 'track', event: 'Order Completed', channel: 'web', revenue: 40 },
      ])
      expect(await allRows(store.journeys.orderPages())).toEqual([{ profileId: 'p1', timestamp: order.ts, revenue: 40, cost: null, currency: 'EUR' }])
      expect(await store.values.of('p1')).toEqual([{ profileId: 'p1', kind: 'value', computedAt: '2026-01-04T00:00:00.000Z', data: { clv: 5 } }])
      // 0012 counts what is there.
      expect(await store.events.counts()).toMatchObject({ events: 3, profiles: 1 })
      expect((await store.events.countsByDay({})).map((c) => [c.day, c.type, c.events])).toEqual([['2026-01-01', 'page', 1], ['2026-01-02', 'page', 1], ['2026-01-03', 'track', 1]])
    } finally {
      await store.close()
      await drop()
    }
  })
})
