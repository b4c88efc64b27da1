import type { Config } from '../config/config.js'
import { describeStore } from '../config/config.js'
import { ensureSources } from '../collect/sources.js'
import { DEMO_SOURCES } from '../demo/generate-company.js'
import { loadDemo } from '../demo/load-demo.js'
import { alertReport } from '../decide/learning/report.js'
import { ensureDemoCatalog } from './demo-catalog.js'
import { buildApp } from '../server/app.js'
import { channelRulesWith } from '../journey/channel.js'
import { openRuntime } from './runtime.js'
import { formatOutbound, outboundRun } from './outbound-command.js'
import { ensureAdminKey } from '../server/access/keys.js'
import { runRefreshInWorker } from '../refresh/run-in-worker.js'
import { describeRefresh, refreshAll } from '../refresh/refresh-all.js'

/** Starts the server; an empty store gets the demo company, loaded in the background while the API already answers. */
export async function serveCommand(config: Config): Promise<void> {
  const runtime = await openRuntime(config)
  const app = await buildApp({
    store: runtime.store,
    collector: runtime.collector,
    consent: runtime.consent,
    decide: runtime.decide,
    defaultCountry: config.defaultCountry,
    logLevel: config.logLevel,
    channelRules: channelRulesWith(config.channelRules),
    corsOrigins: config.corsOrigins,
    prettyLogs: process.stdout.isTTY === true,
    maxAckDelayMs: config.maxAckDelayMs,
    destinations: runtime.destinations,
    ...(runtime.processor ? { processor: runtime.processor, maxLogBacklog: config.maxLogBacklog } : {}),
  })
  const created = await ensureSources(runtime.store, DEMO_SOURCES)
  const admin = await ensureAdminKey(runtime.store)
  const isEmpty = (await runtime.store.events.counts()).events === 0
  await app.listen({ port: config.port, host: config.host, backlog: 2048 })
  app.log.info(`salestwin on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}, store ${describeStore(config.store)}, consent rules ${config.jurisdiction}`)
  // Keys are stored hashed: a new key can be shown only now. Later ones: salestwin keys create / sources create.
  const banner = keysBanner(admin?.secret ?? null, created)
  if (banner) app.log.warn({ newKeys: created.length + (admin ? 1 : 0) }, banner)

  // Value models, attribution and consent figures, on a worker thread so that collection and reads
  // keep their latency; one run at a time.
  let refreshing: Promise<void> | null = null
  const refresh = () =>
    (refreshing ??= (app.log.info('refresh started'), config.refreshInWorker ? runRefreshInWorker(config) : refreshAll(runtime.store, config))
      .then(
        (r) => app.log.info(describeRefresh(r)),
        // A failed refresh leaves the previous results in place; the next run tries again.
        (err: unknown) => app.log.warn({ err }, `refresh failed: ${(err as Error).message}`),
      )
      .finally(() => (refreshing = null)))
  if (config.valueRefreshMinutes > 0) setInterval(() => void refresh(), config.valueRefreshMinutes * 60_000).unref()

  // The learning loop: finished showings into the learned propensities, every node (docs/decide.md, "Learning").
  if (config.learnSeconds > 0) {
    const learning = await runtime.decide.learning()
    learning.start(config.learnSeconds * 1000, () => runtime.decide.catalog, () => new Date(), (err) => app.log.warn({ err }, `learning fold failed: ${(err as Error).message}`))
    // Offers whose observed rate left their prediction's interval, and models reset to their prior: in the log, once each.
    const told = new Set<string>()
    setInterval(() => {
      void alertReport(runtime.store, learning.alerts, new Date()).then(
        ({ alerts, resets }) => {
          for (const a of [...alerts.map((x) => ({ key: `${x.offer}/${x.since}`, text: `offer ${x.offer} (${x.campaign}): ${x.detail}` })), ...resets.map((x) => ({ key: `${x.offerId}/${x.at}`, text: `offer ${x.offerId}: ${x.reason} (${x.at})` }))]) {
            if (!told.has(a.key)) app.log.warn(`learning alert: ${a.text}`)
            told.add(a.key)
          }
        },
        (err: unknown) => app.log.warn({ err }, `learning alerts failed: ${(err as Error).message}`),
      )
    }, 10 * 60_000).unref()
  }

  // Outbound runs: every channel of every configured destination, one run at a time (docs/decide.md).
  let sending: Promise<void> | null = null
  const outbound = () =>
    (sending ??= (async () => {
      for (const dest of runtime.destinations) {
        for (const channel of dest.channels) app.log.info(formatOutbound(await outboundRun(runtime, { channel, destination: dest.id })))
      }
    })()
      .catch((err: unknown) => app.log.warn({ err }, `outbound run failed: ${(err as Error).message}`))
      .finally(() => (sending = null)))
  if (config.outboundMinutes > 0 && runtime.destinations.length > 0) setInterval(() => void outbound(), config.outboundMinutes * 60_000).unref()

  if (config.demo && isEmpty) {
    const catalog = await ensureDemoCatalog(runtime.decide)
    if (catalog) app.log.info(`demo catalog applied as version ${catalog.version} (data/catalog/demo.yaml)`)
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

  // Ctrl-C in a terminal signals npm and the server alike, and npm passes it on: a second signal
  // while stopping must not kill the process before the store is closed (the WAL checkpointed).
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info(`${signal}: stopping`)
    await app.close()
    await runtime.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

/** The keys a first start made, as one block that stands out in the log, with how to get new ones. */
export function keysBanner(adminSecret: string | null, sources: { name: string; writeKey: string }[]): string | null {
  if (!adminSecret && sources.length === 0) return null
  const rule = '='.repeat(78)
  const lines = [
    rule,
    'NEW KEYS - shown this once; salestwin stores only their hashes. Copy them now.',
    ...(adminSecret ? [`  admin API key (send as "Authorization: Bearer <key>"):  ${adminSecret}`] : []),
    ...sources.map((s) => `  write key of source "${s.name}":  ${s.writeKey}`),
    'Missed them? Make new ones with the same store (old ones stay valid until revoked):',
    '  npx salestwin keys create --role admin --name me',
    '  npx salestwin keys create --role source --source web --name web-2',
    rule,
  ]
  return `\n${lines.join('\n')}`
}
