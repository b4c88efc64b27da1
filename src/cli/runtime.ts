import { Collector } from '../collect/collector.js'
import { loadConfig, type Config } from '../config/config.js'
import { ConsentService } from '../consent/consent-service.js'
import { policyOf } from '../consent/rules.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { DecideService } from '../decide/decide-service.js'
import type { WebhookDestination } from '../destinations/webhook.js'

export interface Runtime {
  config: Config
  store: Store
  collector: Collector
  consent: ConsentService
  decide: DecideService
  /** The outbound webhooks of the config (`destinations`). */
  destinations: WebhookDestination[]
  close(): Promise<void>
}

/** Opens the configured store, the one collector in front of it, the consent service and the decisioning engine. */
export async function openRuntime(config: Config): Promise<Runtime> {
  const policy = policyOf(config)
  const store = await openStore(config.store)
  const collector = new Collector(store, {
    rules: { defaultCountry: config.defaultCountry, externalIdTraits: config.externalIdTraits },
    policy: { uniqueKinds: new Set(config.mergeUserIds ? [] : ['userId']) },
    defaultCurrency: config.defaultCurrency,
    consentPolicy: policy,
    maxQueuedEvents: config.maxQueuedEvents,
    maxAckDelayMs: config.maxAckDelayMs,
  })
  const consent = new ConsentService(store, policy)
  const decide = await new DecideService(store, consent, policy, undefined, { viewProfiles: config.decideViewProfiles, viewTtlMs: config.decideViewSeconds * 1000 }).load()
  // Outcomes and goals (conversions) read off the events as they are stored (docs/decide.md).
  collector.onStored(
    async (stored) => void (await decide.observe(stored)),
    (err) => process.stderr.write(`warning: outcomes of a stored batch were not read: ${(err as Error).message}\n`),
  )
  return {
    config,
    store,
    collector,
    consent,
    decide,
    destinations: Object.entries(config.destinations).map(([id, d]) => ({ id, ...d })),
    async close() {
      await collector.flush()
      await collector.listenersIdle()
      await store.close()
    },
  }
}

/** Options every command shares: where the store is and which config file to read. */
export interface CommonFlags {
  db?: string
  config?: string
  json?: boolean
}

/** Builds the config from flags > SALESTWIN_* env > config file > defaults. */
export function configFrom(flags: CommonFlags & Record<string, unknown>): Config {
  const { config: file, json: _json, ...rest } = flags
  return loadConfig({ flags: rest, env: process.env, ...(file ? { file } : {}) })
}

/** Runs a command against the store its --db/--config flags name, and closes it afterwards. */
export async function withRuntime(flags: CommonFlags, fn: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(configFrom({ db: flags.db, config: flags.config }))
  try {
    await fn(runtime)
  } finally {
    await runtime.close()
  }
}
