import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Collector } from '../../src/collect/collector.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { consentPolicy } from '../../src/consent/rules.js'
import type { EventLog } from '../../src/log/event-log.js'

/** The consent policy tests run under: Germany's defaults, as a fresh install. */
export const TEST_POLICY = consentPolicy({ jurisdiction: 'DE' })

/** The PostgreSQL the suite runs against: SALESTWIN_TEST_POSTGRES_URL, else the local server's `test` database. */
export const POSTGRES_URL = process.env.SALESTWIN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** Set by .ci/run: a missing PostgreSQL then fails the suite instead of skipping it. */
export const POSTGRES_REQUIRED = process.env.SALESTWIN_REQUIRE_POSTGRES === '1'

/** Says whether PostgreSQL answers, and if not, why. */
export async function probePostgres(): Promise<{ ok: true } | { ok: false; why: string }> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return { ok: true }
  } catch (err) {
    return { ok: false, why: (err as Error).message }
  } finally {
    await client.end().catch(() => undefined) // the connect already failed; nothing left to close
  }
}

export type StoreKind = 'sqlite' | 'postgres'

/** A fresh, empty store: a scratch SQLite file, or a new PostgreSQL schema (random unless named) that is dropped again on close. */
export async function freshStore(kind: StoreKind, schema = `t_${randomBytes(6).toString('hex')}`): Promise<Store> {
  if (kind === 'sqlite') return openSqliteStore(':memory:')
  const store = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 4 })
  const close = store.close.bind(store)
  store.close = async () => {
    await close()
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await client.end()
    }
  }
  return store
}

/** A collector as the server builds it, over the given store. */
export function collectorFor(store: Store, overrides: { mergeUserIds?: boolean; maxQueuedEvents?: number; maxAckDelayMs?: number; log?: EventLog } = {}): Collector {
  return new Collector(store, {
    ...(overrides.log ? { log: overrides.log } : {}),
    rules: { defaultCountry: 'DE', externalIdTraits: { crm_id: 'crm' } },
    policy: { uniqueKinds: new Set(overrides.mergeUserIds ? [] : ['userId']) },
    defaultCurrency: 'EUR',
    consentPolicy: TEST_POLICY,
    maxQueuedEvents: overrides.maxQueuedEvents ?? 100_000,
    ...(overrides.maxAckDelayMs ? { maxAckDelayMs: overrides.maxAckDelayMs } : {}),
  })
}

/** Every row of a paged store read (journeyEventPages, orderPages), in order. */
export async function allRows<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const rows: T[] = []
  for await (const page of pages) rows.push(...page)
  return rows
}
