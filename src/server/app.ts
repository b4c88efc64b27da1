import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Collector } from '../collect/collector.js'
import type { ConsentService } from '../consent/consent-service.js'
import type { DecideService } from '../decide/decide-service.js'
import { AppError } from '../core/errors.js'
import type { Store } from '../store/store.js'
import type { ChannelRules } from '../journey/channel.js'
import { AuditLog } from './access/audit.js'
import { installGuard, type RouteAccess } from './access/guard.js'
import { KeyAuth } from './access/key-auth.js'
import { handleError } from './errors.js'
import { installCors } from './cors.js'
import { LoadShedder } from './load-shedder.js'
import { accessRoutes } from './routes/access.js'
import { collectRoutes } from './routes/collect.js'
import { consentRoutes } from './routes/consent.js'
import { dataQualityRoutes } from './routes/data-quality.js'
import { profileRoutes } from './routes/profiles.js'
import { valueRoutes } from './routes/value.js'
import { attributionRoutes } from './routes/attribution.js'
import { decideRoutes } from './routes/decide.js'
import { destinationRoutes } from './routes/destinations.js'
import { installReadPositions } from './read-position.js'
import type { LogProcessor } from '../collect/processor.js'
import type { WebhookDestination } from '../destinations/webhook.js'

/** Segment's limit on one request. */
export const MAX_BODY_BYTES = 500 * 1024

export interface AppDeps {
  store: Store
  collector: Collector
  consent: ConsentService
  decide: DecideService
  defaultCountry: string
  logLevel?: string
  channelRules?: ChannelRules
  /** Longest wait for a collection answer before new requests are refused (config maxAckDelayMs). */
  maxAckDelayMs?: number
  /** Pretty-print the log (the server sets it when stdout is a terminal). */
  prettyLogs?: boolean
  /** Origins other than the collection API's callers that may call the API from a browser (docs/config.md). */
  corsOrigins?: readonly string[]
  /** Behind an event log (config `log`): the processor, for read-your-writes, /health and /v1/stats. */
  processor?: LogProcessor
  /** Collection's bound on how far processing may lag (config maxLogBacklog); /health is degraded from half of it. */
  maxLogBacklog?: number
  /** The outbound webhooks (config destinations), listed by GET /v1/destinations. */
  destinations?: readonly WebhookDestination[]
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every registered route with the access it declares (walked by the route-table test). */
    routeTable: RouteAccess[]
  }
}

/**
 * Builds the HTTP app: collection API, profiles, consent and privacy, keys and audit, data
 * quality, value and attribution, decisions and the catalog. Every route declares who may call it (src/server/access/guard.ts);
 * handlers are thin, the rooms do the work.
 *
 * @example
 * const app = await buildApp({ store, collector, consent, decide, defaultCountry: 'DE' })
 * await app.listen({ port: 4000 })
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // JSON lines for log collectors; on a terminal, readable lines (pino-pretty in pino's worker thread).
    logger: {
      level: deps.logLevel ?? 'info',
      ...(deps.prettyLogs ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
    },
    bodyLimit: MAX_BODY_BYTES,
    // Per-request lines would be hundreds a second under collection load; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  })
  // The browser library sends JSON as text/plain to avoid a preflight; both are parsed alike.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string
    if (text.trim() === '') return done(null, {})
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      done(new AppError('BODY_INVALID_JSON', `body must be valid JSON: ${(err as Error).message}`, { cause: err }), undefined)
    }
  })
  app.setErrorHandler(handleError)
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new AppError('NOT_FOUND', `no route ${request.method} ${request.url}`).toJSON())
  })
  const auth = new KeyAuth(deps.store)
  app.decorate('routeTable', installGuard(app, auth))
  await installCors(app, deps.corsOrigins ?? [])

  const audit = new AuditLog(deps.store)
  const processor = deps.processor
  app.get('/health', { config: { access: 'public' } }, async () => {
    if (!processor) return { status: 'ok', queuedEvents: deps.collector.pending }
    const log = processor.status
    return { status: log.behind > (deps.maxLogBacklog ?? 1_000_000) / 2 ? 'degraded' : 'ok', queuedEvents: deps.collector.pending, log }
  })
  if (processor) installReadPositions(app, processor)
  const maxAckDelayMs = deps.maxAckDelayMs ?? 1000
  collectRoutes(app, { collector: deps.collector, ...(maxAckDelayMs > 0 ? { shedder: new LoadShedder(maxAckDelayMs) } : {}) })
  profileRoutes(app, { store: deps.store, defaultCountry: deps.defaultCountry, audit })
  consentRoutes(app, { store: deps.store, consent: deps.consent, audit, onErased: (id) => deps.decide.forget([id]) })
  accessRoutes(app, { store: deps.store, auth, audit })
  dataQualityRoutes(app, { store: deps.store, audit, ...(processor ? { processor } : {}) })
  valueRoutes(app, { store: deps.store })
  attributionRoutes(app, { store: deps.store, ...(deps.channelRules ? { rules: deps.channelRules } : {}) })
  decideRoutes(app, { store: deps.store, decide: deps.decide, audit, defaultCountry: deps.defaultCountry })
  destinationRoutes(app, { store: deps.store, destinations: deps.destinations ?? [], audit })
  return app
}
