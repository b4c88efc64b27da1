import cors from '@fastify/cors'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Collector } from '../collect/collector.js'
import { AppError } from '../core/errors.js'
import type { Store } from '../store/store.js'
import type { ChannelRules } from '../journey/channel.js'
import { handleError } from './errors.js'
import { collectRoutes } from './routes/collect.js'
import { dataQualityRoutes } from './routes/data-quality.js'
import { profileRoutes } from './routes/profiles.js'
import { valueRoutes } from './routes/value.js'
import { attributionRoutes } from './routes/attribution.js'
import { WriteKeyAuth } from './write-key-auth.js'

/** Segment's limit on one request. */
export const MAX_BODY_BYTES = 500 * 1024

export interface AppDeps {
  store: Store
  collector: Collector
  defaultCountry: string
  logLevel?: string
  channelRules?: ChannelRules
}

/**
 * Builds the HTTP app: collection API, profiles, data quality. Handlers are thin; the rooms do the work.
 *
 * @example
 * const app = await buildApp({ store, collector, defaultCountry: 'DE' })
 * await app.listen({ port: 4000 })
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info' },
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
  await app.register(cors, {
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 86_400,
  })

  app.get('/health', async () => ({ status: 'ok', queuedEvents: deps.collector.pending }))
  collectRoutes(app, { collector: deps.collector, auth: new WriteKeyAuth(deps.store) })
  profileRoutes(app, { store: deps.store, defaultCountry: deps.defaultCountry })
  dataQualityRoutes(app, { store: deps.store })
  valueRoutes(app, { store: deps.store })
  attributionRoutes(app, { store: deps.store, ...(deps.channelRules ? { rules: deps.channelRules } : {}) })
  return app
}
