import type { FastifyInstance } from 'fastify'
import type { Store } from '../../store/store.js'
import type { Access } from '../access/guard.js'
import type { ChannelRules } from '../../journey/channel.js'
import { attributionFor, type AttributionQuery } from '../../refresh/kept-results.js'

/** Which touchpoints earn the conversions: every model's per-channel credits and the top paths. */
export function attributionRoutes(app: FastifyInstance, deps: { store: Store; rules?: ChannelRules }): void {
  app.get<{ Querystring: AttributionQuery }>('/v1/attribution', { config: { access: { roles: ['analyst', 'admin'] } satisfies Access } }, async (request) =>
    attributionFor(deps.store, request.query, deps.rules),
  )
}
