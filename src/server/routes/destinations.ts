import type { FastifyInstance } from 'fastify'
import { destinationsStatus, requeueDeadLetter } from '../../destinations/outbox.js'
import type { WebhookDestination } from '../../destinations/webhook.js'
import type { Store } from '../../store/store.js'
import type { AuditLog } from '../access/audit.js'
import type { Access } from '../access/guard.js'
import { parseLimit } from './params.js'

/** Deliveries name decisions and destinations, never a person: marketers watch them too. */
const READS_DELIVERIES = { access: { roles: ['marketer', 'admin'] } satisfies Access }
const RETRIES_DELIVERIES = { access: { roles: ['admin'] } satisfies Access }

/** The outbound destinations, their deliveries and the dead letters (docs/decide.md, "Outbound"). */
export function destinationRoutes(app: FastifyInstance, deps: { store: Store; destinations: readonly WebhookDestination[]; audit: AuditLog }): void {
  const { store, audit } = deps

  app.get('/v1/destinations', { config: READS_DELIVERIES }, async () => destinationsStatus(store, deps.destinations))

  app.get<{ Querystring: { limit?: string } }>('/v1/destinations/failures', { config: READS_DELIVERIES }, async (request) => {
    return { items: await store.deliveries.failures(parseLimit(request.query.limit, 50, 1000)) }
  })

  app.post<{ Params: { decisionId: string } }>('/v1/destinations/failures/:decisionId/retry', { config: RETRIES_DELIVERIES }, async (request) => {
    const { decisionId } = request.params
    const delivery = await requeueDeadLetter(store, decisionId)
    await audit.record(request, 'delivery.requeued', null, { decisionId, destination: delivery.destination })
    return { decisionId, status: 'pending', destination: delivery.destination }
  })
}
