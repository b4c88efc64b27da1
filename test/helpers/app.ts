import type { FastifyInstance } from 'fastify'
import type { Collector } from '../../src/collect/collector.js'
import { createSource } from '../../src/collect/sources.js'
import { ConsentService } from '../../src/consent/consent-service.js'
import { DecideService } from '../../src/decide/decide-service.js'
import type { Role } from '../../src/core/api-key.js'
import { createApiKey } from '../../src/server/access/keys.js'
import { buildApp } from '../../src/server/app.js'
import type { Store } from '../../src/store/store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { collectorFor, freshStore, TEST_POLICY, type StoreKind } from './stores.js'

export interface TestApp {
  app: FastifyInstance
  store: Store
  collector: Collector
  consent: ConsentService
  decide: DecideService
  /** The write key of source `web`. */
  writeKey: string
  basic: string
  /** `Authorization` headers of a key of each role (source: the `web` write key as Bearer). */
  as: Record<Role, { authorization: string }>
  close(): Promise<void>
}

/** The real app over a fresh store (SQLite unless asked; at `sqlitePath` when given), with one source `web` and a key of every role. */
export async function testApp(opts: { maxQueuedEvents?: number; maxAckDelayMs?: number; store?: StoreKind; sqlitePath?: string; schema?: string; corsOrigins?: string[]; now?: () => Date } = {}): Promise<TestApp> {
  const store = opts.sqlitePath ? await openSqliteStore(opts.sqlitePath) : await freshStore(opts.store ?? 'sqlite', opts.schema)
  const collector = collectorFor(store, opts)
  const consent = new ConsentService(store, TEST_POLICY)
  const decide = await new DecideService(store, consent, TEST_POLICY, opts.now).load()
  collector.onStored(async (stored) => void (await decide.observe(stored)), (err) => {
    throw err
  })
  const app = await buildApp({ store, collector, consent, decide, defaultCountry: 'DE', logLevel: 'silent', ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}), // Load shedding only where a test asks for it: a busy test worker's event loop must not shed a test's own batches.
    maxAckDelayMs: opts.maxAckDelayMs ?? 0 })
  const { writeKey } = await createSource(store, 'web')
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
  const keyOf = async (role: Role) => bearer((await createApiKey(store, { role, name: `test ${role}` })).secret)
  return {
    app,
    store,
    collector,
    consent,
    decide,
    writeKey,
    basic: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    as: { source: bearer(writeKey), agent: await keyOf('agent'), analyst: await keyOf('analyst'), marketer: await keyOf('marketer'), admin: await keyOf('admin') },
    async close() {
      await app.close()
      await collector.listenersIdle()
      await store.close()
    },
  }
}

/** POSTs a batch to `/v1/batch` with a source's write key (HTTP Basic, as Segment's libraries send it). */
export function sendBatchAs(app: FastifyInstance, writeKey: string, batch: unknown[]) {
  return app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ batch }),
  })
}
