import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { POSTGRES_URL, probePostgres } from '../helpers/stores.js'

// Found as a flaky erasure test under a loaded suite: the VACUUM after an erasure ran while another
// transaction of the database (another test's, in production a long report or another node's read)
// still held a snapshot from before the erasure, so it could not remove the dead rows and the
// person's bytes stayed in the heap pages. The VACUUM now waits for such snapshots to end.
const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('erasure-vacuum-before-older-snapshots-end', () => {
  it('leaves no tuple of the person once settled, although an older snapshot was open during the erasure', async () => {
    if (pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    const schema = `t_${randomBytes(6).toString('hex')}`
    t = await testApp({ store: 'postgres', schema })
    const email = `snap-${randomBytes(4).toString('hex')}@example.com`
    await t.collector.collect([{ raw: { type: 'identify', userId: 'snap-1', messageId: 'snap-m1', timestamp: '2026-06-01T00:00:00Z', traits: { email } }, path: '' }], 'web')
    const id = (await t.store.profiles.idOfIdentifier('userId:snap-1'))!
    const reader = new pg.Client({ connectionString: POSTGRES_URL })
    const inspector = new pg.Client({ connectionString: POSTGRES_URL })
    await Promise.all([reader.connect(), inspector.connect()])
    try {
      await inspector.query('CREATE EXTENSION IF NOT EXISTS pageinspect')
      // A long read that started before the erasure: its snapshot still sees the person's rows.
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      await reader.query(`SELECT count(*) FROM ${schema}.identifiers`)
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${id}`, headers: t.as.admin })).statusCode).toBe(200)
      setTimeout(() => void reader.query('COMMIT'), 400)
      await t.store.settled()
      const tables = (await inspector.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema])).rows
      const found: string[] = []
      for (const { name } of tables) {
        const { rows } = await inspector.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM generate_series(0, (pg_relation_size($1::text::regclass) / current_setting('block_size')::int) - 1) AS blk
           CROSS JOIN LATERAL heap_page_items(get_raw_page($1::text, blk::int)) AS item
           WHERE item.t_data IS NOT NULL AND position(convert_to($2, 'UTF8') IN item.t_data) > 0`,
          [`${schema}.${name}`, email],
        )
        if (rows[0]!.n > 0) found.push(name)
      }
      expect(found).toEqual([])
    } finally {
      await Promise.all([reader.end(), inspector.end()])
    }
  })
})
