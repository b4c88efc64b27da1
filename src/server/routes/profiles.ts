import type { FastifyInstance } from 'fastify'
import { AppError } from '../../core/errors.js'
import { lookupKey, type IdentifierLookup } from '../../identity/lookup-key.js'
import { profileNotFound, requireProfileId } from '../../store/profile-id.js'
import type { Store } from '../../store/store.js'
import { parseLimit } from './params.js'
import type { AuditLog } from '../access/audit.js'
import type { Access } from '../access/guard.js'

/** A single person's data: agents (call center, sales) and admins; each read is audited. */
export const PERSONAL_READ = { access: { roles: ['agent', 'admin'], personal: true } satisfies Access }

interface LookupQuery extends IdentifierLookup {
  q?: string
  limit?: string
}

/** The unified profile: by id (merged-away ids lead to the survivor), by identifier, or by search. */
export function profileRoutes(app: FastifyInstance, deps: { store: Store; defaultCountry: string; audit: AuditLog }): void {
  const { store, audit } = deps

  app.get<{ Params: { id: string } }>('/v1/profiles/:id', { config: PERSONAL_READ }, async (request) => {
    const profile = await store.profiles.get(request.params.id)
    if (!profile) throw profileNotFound(request.params.id)
    await audit.record(request, 'profile.read', profile.id)
    return profile
  })

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>('/v1/profiles/:id/events', { config: PERSONAL_READ }, async (request) => {
    const id = await requireProfileId(store, request.params.id)
    const limit = parseLimit(request.query.limit, 50, 500)
    const page = await store.events.timeline(id, { limit, ...(request.query.cursor ? { cursor: request.query.cursor } : {}) })
    await audit.record(request, 'profile.events', id, { events: page.items.length })
    return { profileId: id, ...page }
  })

  app.get<{ Querystring: LookupQuery }>('/v1/profiles', { config: PERSONAL_READ }, async (request) => {
    const query = request.query
    if (query.q !== undefined) {
      if (query.q.trim().length < 2) throw new AppError('REQUEST_INVALID', `q must have at least 2 characters, got "${query.q}"`)
      const items = await store.profiles.search(query.q, parseLimit(query.limit, 20, 100))
      // The search text may itself be personal (a name, an email prefix): the log keeps which profiles
      // were shown, one line per profile, so that each person's audit trail lists the searches that disclosed them.
      await audit.recordEach(request, 'profile.search', items.map((p) => p.id), { shown: items.length })
      return { items }
    }
    const key = lookupKey(query, deps.defaultCountry)
    const profileId = await store.profiles.idOfIdentifier(key)
    const profile = profileId ? await store.profiles.get(profileId) : null
    if (!profile) throw new AppError('PROFILE_NOT_FOUND', `no profile has identifier ${key}`)
    await audit.record(request, 'profile.read', profile.id, { by: key.slice(0, key.indexOf(':')) })
    return profile
  })
}
