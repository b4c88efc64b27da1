import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { testApp, type TestApp } from '../helpers/app.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres } from '../helpers/stores.js'

// Issue 10.1: after DELETE /v1/profiles/:id the erased email was still in the -wal file while the
// server ran, and in freed pages of the database file after it stopped.
const EMAIL = 'erase.me.completely@example.com'
const PHONE = '+491701234567'
const CRM_ID = 'CRM-ERASE-774411'
const USER_ID = 'user-erase-774411'
const NEEDLES = [EMAIL, PHONE, CRM_ID, USER_ID, 'Xaverine']

let dir: string
let t: TestApp
afterEach(async () => {
  await t?.close().catch(() => undefined) // already closed by the test that stops the server
  rmSync(dir, { recursive: true, force: true })
})

/** How often each needle occurs in the raw bytes of the database file, its WAL and its journal. */
function occurrences(dbPath: string): Record<string, number> {
  const found: Record<string, number> = {}
  for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-journal`]) {
    if (!existsSync(file)) continue
    const bytes = readFileSync(file)
    for (const needle of NEEDLES) {
      let count = 0
      for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) count++
      if (count > 0) found[`${file.slice(dbPath.length) || 'db'}:${needle}`] = count
    }
  }
  return found
}

async function loadPersonAndOthers(): Promise<string> {
  const send = (batch: unknown[]) =>
    t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch }) })
  // Other customers around the person, so that the person's rows share pages with rows that stay.
  for (let round = 0; round < 6; round++) {
    const batch: unknown[] = []
    for (let i = 0; i < 150; i++) {
      batch.push({ type: 'identify', userId: `other-${round}-${i}`, messageId: `o-${round}-${i}`, traits: { email: `other-${round}-${i}@example.com`, name: 'Some Body' } })
    }
    // The person comes back in every round: identify, page views and orders, some with the phone and CRM id.
    batch.push(
      { type: 'identify', userId: USER_ID, messageId: `p-id-${round}`, traits: { email: EMAIL, phone: PHONE, crm_id: CRM_ID, name: 'Xaverine Erased' } },
      { type: 'page', userId: USER_ID, messageId: `p-pg-${round}`, name: 'Home', context: { traits: { email: EMAIL } } },
      { type: 'track', userId: USER_ID, messageId: `p-o-${round}`, event: 'Order Completed', properties: { order_id: `o-${round}`, revenue: 10 + round, email: EMAIL } },
      // A rejected event that mentions the person: quarantined with its payload, erased too.
      { type: 'track', userId: USER_ID, messageId: `p-bad-${round}`, event: 'Order Completed', properties: { revenue: -1, email: EMAIL } },
    )
    const res = await send(batch)
    expect(res.statusCode).toBe(200)
  }
  return (await t.store.profiles.idOfIdentifier(`userId:${USER_ID}`))!
}

describe('erasure leaves no byte of the person in the SQLite files', () => {
  it('finds none of the erased identifiers in the database file or its WAL, while the server runs and after it stops', async () => {
    dir = mkdtempSync(join(tmpdir(), 'salestwin-erase-'))
    const dbPath = join(dir, 'salestwin.db')
    t = await testApp({ sqlitePath: dbPath })
    const id = await loadPersonAndOthers()
    // The person is in the files before: the check can see them.
    expect(Object.keys(occurrences(dbPath)).length).toBeGreaterThan(0)
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${id}`, headers: t.as.admin })
    expect(res.statusCode).toBe(200)
    expect(occurrences(dbPath)).toEqual({})
    // Readers and writers go on: the other customers are still there.
    expect(await t.store.profiles.idOfIdentifier('userId:other-0-0')).not.toBeNull()
    await t.close()
    expect(occurrences(dbPath)).toEqual({})
  })
})

const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`

describe.skipIf(pgMissing !== null && !POSTGRES_REQUIRED)('erasure on PostgreSQL: the touched tables are vacuumed', () => {
  it('leaves no live or dead tuple of the person in any heap page once the VACUUM after the erasure has run', async () => {
    if (pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    dir = mkdtempSync(join(tmpdir(), 'salestwin-erase-'))
    const schema = `t_${randomBytes(6).toString('hex')}`
    t = await testApp({ store: 'postgres', schema })
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pageinspect')
      const id = await loadPersonAndOthers()
      expect(await mentions(client, schema, 'tuples')).not.toEqual({})
      const res = await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${id}`, headers: t.as.admin })
      expect(res.statusCode).toBe(200)
      await t.store.settled()
      expect(await mentions(client, schema, 'tuples')).toEqual({})
      // The freed space of heap and index pages may still hold the bytes until reused; compact rewrites them.
      await t.store.compact()
      expect(await mentions(client, schema, 'pages')).toEqual({})
    } finally {
      await client.end()
    }
  })
})

/**
 * Counts, per table or index of the schema and needle, where a raw read of the files finds the needle:
 * in 'tuples', the data of every heap tuple, live or dead (pageinspect's heap_page_items); in 'pages',
 * the whole raw page of tables and indexes, free space included.
 */
async function mentions(client: pg.Client, schema: string, where: 'tuples' | 'pages'): Promise<Record<string, number>> {
  const scan =
    where === 'tuples'
      ? `CROSS JOIN LATERAL heap_page_items(get_raw_page(c.oid::regclass::text, blk)) AS item
         CROSS JOIN unnest($2::text[]) AS needle
         WHERE ns.nspname = $1 AND c.relkind = 'r' AND item.t_data IS NOT NULL AND position(convert_to(needle, 'UTF8') IN item.t_data) > 0`
      : `CROSS JOIN unnest($2::text[]) AS needle
         WHERE ns.nspname = $1 AND c.relkind IN ('r', 'i') AND position(convert_to(needle, 'UTF8') IN get_raw_page(c.oid::regclass::text, blk)) > 0`
  const { rows } = await client.query<{ rel: string; needle: string; n: string }>(
    `SELECT c.oid::regclass::text AS rel, needle, count(*) AS n
       FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
       CROSS JOIN LATERAL generate_series(0, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int - 1) AS blk
       ${scan}
      GROUP BY 1, 2`,
    [schema, NEEDLES],
  )
  return Object.fromEntries(rows.map((r) => [`${r.rel}:${r.needle}`, Number(r.n)]))
}
