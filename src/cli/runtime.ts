import { Collector } from '../collect/collector.js'
import { loadConfig, type Config } from '../config/config.js'
import { ConsentService } from '../consent/consent-service.js'
import { policyOf } from '../consent/rules.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { DecideService } from '../decide/decide-service.js'
import type { WebhookDestination } from '../destinations/webhook.js'
import { openLog } from '../log/open-log.js'
import type { EventLog } from '../log/event-log.js'
import { LogProcessor } from '../collect/processor.js'

export interface Runtime {
  config: Config
  store: Store
  collector: Collector
  consent: ConsentService
  decide: DecideService
  /** The event log collection acknowledges on (config `log`), and the processor that applies it to the store. */
  log?: EventLog
  processor?: LogProcessor
  /** The outbound webhooks of the config (`destinations`). */
  destinations: WebhookDestination[]
  close(): Promise<void>
}

/** Opens the configured store, the one collector in front of it, the consent service and the decisioning engine. */
export async function openRuntime(config: Config): Promise<Runtime> {
  const policy = policyOf(config)
  const store = await openStore(config.store)
  const log = config.log ? await openLog(config.log) : undefined
  const identityPolicy = { uniqueKinds: new Set(config.mergeUserIds ? [] : ['userId']) }
  let processor: LogProcessor | undefined
  const collector = new Collector(store, {
    rules: { defaultCountry: config.defaultCountry, externalIdTraits: config.externalIdTraits },
    policy: identityPolicy,
    defaultCurrency: config.defaultCurrency,
    consentPolicy: policy,
    maxQueuedEvents: config.maxQueuedEvents,
    maxAckDelayMs: config.maxAckDelayMs,
    ...(log ? { log, backlog: { behind: () => processor?.behind ?? 0, max: config.maxLogBacklog } } : {}),
  })
  const consent = new ConsentService(store, policy)
  const decide = await new DecideService(store, consent, policy, undefined, { viewProfiles: config.decideViewProfiles, viewTtlMs: config.decideViewSeconds * 1000 }).load()
  // Outcomes and goals (conversions) read off the events as they are stored (docs/decide.md).
  collector.onStored(
    async (stored) => void (await decide.observe(stored)),
    (err) => process.stderr.write(`warning: outcomes of a stored batch were not read: ${(err as Error).message}\n`),
  )
  // Behind a log, the processor applies it to the store (collect/processor.ts), woken by each append.
  processor = log
    ? await new LogProcessor(store, log, collector, identityPolicy, { onError: (err) => process.stderr.write(`warning: the log processor retries: ${(err as Error).message}\n`) }).start()
    : undefined
  const started = processor
  if (started) collector.onAppended((upTo) => started.wake(upTo))
  return {
    config,
    store,
    ...(log && processor ? { log, processor } : {}),
    collector,
    consent,
    decide,
    destinations: Object.entries(config.destinations).map(([id, d]) => ({ id, ...d })),
    async close() {
      await collector.flush()
      await processor?.stop()
      await collector.listenersIdle()
      await log?.close()
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
