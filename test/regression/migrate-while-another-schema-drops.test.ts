import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres } from '../helpers/stores.js'

const probe = await probePostgres()

// Kysely's migrator lists the columns of every schema with pg_get_serial_sequence by name: a schema
// dropped meanwhile by another store (another test's close) failed the start with 3F000.
describe.skipIf(!probe.ok && !POSTGRES_REQUIRED)('a store starting while another schema of the database is dropped', () => {
  it('starts: the migrator lists the tables again', async () => {
    const other = new pg.Client({ connectionString: POSTGRES_URL })
    await other.connect()
    let churning = true
    const tables = Array.from({ length: 40 }, (_, i) => `CREATE TABLE churn_${Date.now().toString(36)}.t${i} (id serial primary key, a text, b text, c text)`)
    // Another schema with many tables, created and dropped over and over while the stores start.
    const churn = (async () => {
      while (churning) {
        const schema = `churn_${Date.now().toString(36)}`
        await other.query(`CREATE SCHEMA ${schema}`)
        for (const t of tables) await other.query(t.replace(/churn_[a-z0-9]+\./, `${schema}.`))
        await other.query(`DROP SCHEMA ${schema} CASCADE`)
      }
    })()
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `t_churn_start_${i}_${Date.now().toString(36)}`
        const store = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 1 })
        expect(await store.events.counts()).toMatchObject({ events: 0 })
        await store.close()
        await client.query(`DROP SCHEMA ${schema} CASCADE`)
      }
    } finally {
      churning = false
      await churn
      await other.end()
      await client.end()
    }
  })
})
