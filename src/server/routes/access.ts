import type { FastifyInstance } from 'fastify'
import type { Store } from '../../store/store.js'
import type { AuditLog } from '../access/audit.js'
import type { Access } from '../access/guard.js'
import type { KeyAuth } from '../access/key-auth.js'
import { createApiKey, listApiKeys, revokeApiKey } from '../access/keys.js'
import { parseLimit } from './params.js'

const ADMIN = { access: { roles: ['admin'] } satisfies Access }

/** API keys (create, list, revoke) and the audit log (read only: there is no route that changes it). */
export function accessRoutes(app: FastifyInstance, deps: { store: Store; auth: KeyAuth; audit: AuditLog }): void {
  const { store, auth, audit } = deps

  app.get('/v1/keys', { config: ADMIN }, async () => ({ items: await listApiKeys(store) }))

  app.post('/v1/keys', { config: ADMIN }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const created = await createApiKey(store, { role: body.role, name: body.name, ...(body.source !== undefined ? { source: body.source } : {}) })
    await audit.record(request, 'keys.create', null, { id: created.id, role: created.role, name: created.name })
    return reply.status(201).send(created)
  })

  app.delete<{ Params: { id: string } }>('/v1/keys/:id', { config: ADMIN }, async (request) => {
    const revoked = await revokeApiKey(store, request.params.id)
    auth.forget()
    await audit.record(request, 'keys.revoke', null, { id: revoked.id })
    return revoked
  })

  app.get<{ Querystring: { limit?: string; cursor?: string; profileId?: string } }>('/v1/audit', { config: ADMIN }, async (request) => {
    const { cursor, profileId } = request.query
    return store.access.listAudit({ limit: parseLimit(request.query.limit, 100, 1000), ...(cursor ? { cursor } : {}), ...(profileId ? { profileId } : {}) })
  })
}
