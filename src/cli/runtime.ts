import { Collector } from '../collect/collector.js'
import type { Config } from '../config/config.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'

export interface Runtime {
  config: Config
  store: Store
  collector: Collector
  close(): Promise<void>
}

/** Opens the configured store and the one collector in front of it. */
export async function openRuntime(config: Config): Promise<Runtime> {
  const store = await openStore(config.store)
  const collector = new Collector(store, {
    rules: { defaultCountry: config.defaultCountry, externalIdTraits: config.externalIdTraits },
    policy: { uniqueKinds: new Set(config.mergeUserIds ? [] : ['userId']) },
    defaultCurrency: config.defaultCurrency,
    maxQueuedEvents: config.maxQueuedEvents,
  })
  return {
    config,
    store,
    collector,
    async close() {
      await collector.flush()
      await store.close()
    },
  }
}
