import { Collector } from '../collect/collector.js'
import type { Config } from '../config/config.js'
import { ConsentService } from '../consent/consent-service.js'
import { consentPolicy, type ConsentPolicy } from '../consent/rules.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'

export interface Runtime {
  config: Config
  store: Store
  collector: Collector
  consent: ConsentService
  close(): Promise<void>
}

/** The consent policy the configuration asks for. */
export function policyOf(config: Config): ConsentPolicy {
  return consentPolicy({ jurisdiction: config.jurisdiction, purposes: config.consentPurposes, rules: config.consentRules })
}

/** Opens the configured store, the one collector in front of it and the consent service. */
export async function openRuntime(config: Config): Promise<Runtime> {
  const policy = policyOf(config)
  const store = await openStore(config.store)
  const collector = new Collector(store, {
    rules: { defaultCountry: config.defaultCountry, externalIdTraits: config.externalIdTraits },
    policy: { uniqueKinds: new Set(config.mergeUserIds ? [] : ['userId']) },
    defaultCurrency: config.defaultCurrency,
    consentPolicy: policy,
    maxQueuedEvents: config.maxQueuedEvents,
  })
  return {
    config,
    store,
    collector,
    consent: new ConsentService(store, policy),
    async close() {
      await collector.flush()
      await store.close()
    },
  }
}
