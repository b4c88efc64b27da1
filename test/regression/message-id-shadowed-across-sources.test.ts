import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSource } from '../../src/collect/sources.js'
import { migrationProvider } from '../../src/store/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { eventKey } from '../../src/store/store.js'
import { sendBatchAs, testApp, type TestApp } from '../helpers/app.js'
import { allRows } from '../helpers/stores.js'

// Issue 10.4: message ids were unique across all sources, so the web key could send
// {messageId: "crm-order-1001"} and the CRM's real order with that id was answered "duplicate"
// and never stored.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const sendAs = (writeKey: string, batch: unknown[]) => sendBatchAs(t.app, writeKey, batch)

describe('idempotency is per source', () => {
  it("stores the CRM's order although the web source used its message id first; each source's retry stays a duplicate", async () => {
    const crm = await createSource(t.store, 'crm')
    const shadow = { type: 'track', userId: 'attacker', messageId: 'crm-order-1001', event: 'Page Liked' }
    const order = { type: 'track', userId: 'cust-7', messageId: 'crm-order-1001', event: 'Order Completed', properties: { order_id: '1001', revenue: 99, currency: 'EUR' } }
    expect((await sendAs(t.writeKey, [shadow])).json()).toMatchObject({ stored: 1, duplicates: 0 })
    expect((await sendAs(crm.writeKey, [order])).json()).toMatchObject({ stored: 1, duplicates: 0 })
    expect((await sendAs(crm.writeKey, [order])).json()).toMatchObject({ stored: 0, duplicates: 1 })
    expect((await sendAs(t.writeKey, [shadow])).json()).toMatchObject({ stored: 0, duplicates: 1 })
    const customer = (await t.store.profiles.idOfIdentifier('userId:cust-7'))!
    const timeline = await t.store.events.timeline(customer, { limit: 5 })
    expect(timeline.items.map((e) => [e.source, e.messageId, e.event])).toEqual([['crm', 'crm-order-1001', 'Order Completed']])
    expect((await allRows(t.store.journeys.orderPages())).map((o) => o.revenue)).toEqual([99])
  })

  it('pages through a timeline whose events share a time and a message id across sources without skipping one', async () => {
    const crm = await createSource(t.store, 'crm')
    const at = '2026-03-01T10:00:00.000Z'
    for (const key of [t.writeKey, crm.writeKey]) {
      await sendAs(key, [{ type: 'track', userId: 'same', messageId: 'm-1', event: 'Seen', timestamp: at }])
    }
    const id = (await t.store.profiles.idOfIdentifier('userId:same'))!
    const first = await t.store.events.timeline(id, { limit: 1 })
    const second = await t.store.events.timeline(id, { limit: 1, cursor: first.nextCursor! })
    expect([...first.items, ...second.items].map((e) => e.source).sort()).toEqual(['crm', 'web'])
  })
})

describe('migration 0008 on an existing store', () => {
  it('keeps every event, and from then on a message id is unique per source', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'st-migrate-')), 'old.db')
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) })
    expect((await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('0007_fewer_ingest_indexes')).error).toBeUndefined()
    const row = { message_id: 'm-1', profile_id: 'p1', identity_key: 'userId:u1', type: 'track', event: 'Seen', ts: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:00:00.000Z', source: 'web', channel: 'web', user_id: 'u1', anonymous_id: null, has_traits: 0, revenue: 12.5, currency: 'EUR', cost: 3, payload: '{"messageId":"m-1"}' }
    await old.insertInto('profiles').values({ id: 'p1', created_at: row.ts, merged_into: null }).execute()
    await old.insertInto('events').values(row).execute()
    await old.destroy()

    const store = await openSqliteStore(file)
    try {
      const events = JSON.parse((await store.dumpTables()).events!) as Record<string, unknown>[]
      // Later migrations add columns (0010: campaign and referrer, empty for this payload).
      expect(events).toEqual([{ ...row, utm_source: null, utm_medium: null, utm_campaign: null, referrer: null }])
      const stored = await store.write((tx) => tx.existingEvents([{ source: 'web', messageId: 'm-1' }, { source: 'crm', messageId: 'm-1' }]))
      expect([...stored]).toEqual([eventKey({ source: 'web', messageId: 'm-1' })])
    } finally {
      await store.close()
    }
  })
})
