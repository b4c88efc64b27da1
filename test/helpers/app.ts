import type { FastifyInstance } from 'fastify'
import type { Collector } from '../../src/collect/collector.js'
import { buildApp } from '../../src/server/app.js'
import type { Store } from '../../src/store/store.js'
import { collectorFor, freshStore } from './stores.js'

export interface TestApp {
  app: FastifyInstance
  store: Store
  collector: Collector
  writeKey: string
  basic: string
  close(): Promise<void>
}

/** The real app over a fresh SQLite store, with one source `web`. */
export async function testApp(opts: { maxQueuedEvents?: number } = {}): Promise<TestApp> {
  const store = await freshStore('sqlite')
  const collector = collectorFor(store, opts)
  const app = await buildApp({ store, collector, defaultCountry: 'DE', logLevel: 'silent' })
  const writeKey = 'wk_test_web'
  await store.createSource('web', writeKey, new Date().toISOString())
  return {
    app,
    store,
    collector,
    writeKey,
    basic: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    async close() {
      await app.close()
      await store.close()
    },
  }
}
