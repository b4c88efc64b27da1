import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { LogProcessor } from '../../src/collect/processor.js'
import { EmbeddedLog } from '../../src/log/embedded-log.js'
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
  /** With `log`: the processor applying the log to the store. */
  processor?: LogProcessor
  close(): Promise<void>
}

/** The real app over a fresh store (SQLite unless asked; at `sqlitePath` when given), with one source `web` and a key of every role. */
export async function testApp(
  opts: { maxQueuedEvents?: number; maxAckDelayMs?: number; store?: StoreKind; sqlitePath?: string; schema?: string; corsOrigins?: string[]; now?: () => Date; log?: 'embedded' } = {},
): Promise<TestApp> {
  const store = opts.sqlitePath ? await openSqliteStore(opts.sqlitePath) : await freshStore(opts.store ?? 'sqlite', opts.schema)
  // Behind an event log (issue 13): collection acknowledges on it, a processor applies it behind.
  const log = opts.log === 'embedded' ? new EmbeddedLog(join(mkdtempSync(join(tmpdir(), 'st-testlog-')), 'log.db')) : undefined
  const { log: _kind, ...collectorOpts } = opts
  const collector = collectorFor(store, { ...collectorOpts, ...(log ? { log } : {}) })
  const processor = log ? await new LogProcessor(store, log, collector, { uniqueKinds: new Set(['userId']) }).start() : undefined
  if (processor) collector.onAppended((upTo) => processor.wake(upTo))
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
    ...(processor ? { processor } : {}),
    async close() {
      await app.close()
      await collector.flush()
      await processor?.stop()
      await collector.listenersIdle()
      await log?.close()
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
