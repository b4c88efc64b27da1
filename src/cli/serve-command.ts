import type { Config } from '../config/config.js'
import { describeStore } from '../config/config.js'
import { ensureSources } from '../collect/sources.js'
import { DEMO_SOURCES } from '../demo/generate-company.js'
import { loadDemo } from '../demo/load-demo.js'
import { buildApp } from '../server/app.js'
import { channelRulesWith } from '../journey/channel.js'
import { openRuntime } from './runtime.js'
import { ensureAdminKey } from '../server/access/keys.js'
import { refreshStoreValues } from './value-refresh.js'

/** Starts the server; an empty store gets the demo company, loaded in the background while the API already answers. */
export async function serveCommand(config: Config): Promise<void> {
  const runtime = await openRuntime(config)
  const app = await buildApp({
    store: runtime.store,
    collector: runtime.collector,
    consent: runtime.consent,
    defaultCountry: config.defaultCountry,
    logLevel: config.logLevel,
    channelRules: channelRulesWith(config.channelRules),
    corsOrigins: config.corsOrigins,
  })
  const created = await ensureSources(runtime.store, DEMO_SOURCES)
  const admin = await ensureAdminKey(runtime.store)
  const isEmpty = (await runtime.store.counts()).events === 0
  await app.listen({ port: config.port, host: config.host, backlog: 2048 })
  app.log.info(`salestwin on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}, store ${describeStore(config.store)}, consent rules ${config.jurisdiction}`)
  // Keys are stored hashed: a new key can be shown only now. Later ones: salestwin keys create / sources create.
  for (const s of created) app.log.info(`write key of new source "${s.name}" (shown this once): ${s.writeKey}`)
  if (admin) app.log.info(`admin API key (shown this once; send as Authorization: Bearer …): ${admin.secret}`)

  const refresh = async () => {
    const started = Date.now()
    try {
      const r = await refreshStoreValues(runtime.store, config)
      app.log.info(`values refreshed: ${r.customers} profiles scored (${r.currency}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    } catch (err) {
      // Too few orders yet, several currencies, …: the reason is logged and the next run tries again.
      app.log.warn({ err }, `value refresh skipped: ${(err as Error).message}`)
    }
  }
  if (config.valueRefreshMinutes > 0) setInterval(() => void refresh(), config.valueRefreshMinutes * 60_000).unref()

  if (config.demo && isEmpty) {
    app.log.info(`loading the demo company: ${config.demoCustomers} customers, seed ${config.demoSeed}`)
    const started = Date.now()
    void loadDemo(runtime.collector, {
      customers: config.demoCustomers,
      seed: config.demoSeed,
      onProgress: (done, total, events) => {
        if (done === total || done % 2000 === 0) app.log.info(`demo: ${done}/${total} customers, ${events} events`)
      },
    }).then(
      (s) => {
        app.log.info(`demo loaded: ${s.stored} events of ${s.customers} customers in ${((Date.now() - started) / 1000).toFixed(1)} s`)
        if (config.valueRefreshMinutes > 0) void refresh()
      },
      (err: unknown) => app.log.error({ err }, 'demo load failed'),
    )
  }

  const stop = async (signal: string) => {
    app.log.info(`${signal}: stopping`)
    await app.close()
    await runtime.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}
