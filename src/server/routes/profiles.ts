import type { FastifyInstance } from 'fastify'
import { AppError } from '../../core/errors.js'
import { identifierKey } from '../../core/identifier.js'
import { normalizeEmail, normalizePhone } from '../../identity/extract-identifiers.js'
import type { Store } from '../../store/store.js'
import type { AuditLog } from '../access/audit.js'
import type { Access } from '../access/guard.js'

/** A single person's data: agents (call center, sales) and admins; each read is audited. */
export const PERSONAL_READ = { access: { roles: ['agent', 'admin'], personal: true } satisfies Access }

interface LookupQuery {
  q?: string
  email?: string
  userId?: string
  anonymousId?: string
  phone?: string
  externalId?: string
  limit?: string
}

/** The unified profile: by id (merged-away ids lead to the survivor), by identifier, or by search. */
export function profileRoutes(app: FastifyInstance, deps: { store: Store; defaultCountry: string; audit: AuditLog }): void {
  const { store, audit } = deps

  app.get<{ Params: { id: string } }>('/v1/profiles/:id', { config: PERSONAL_READ }, async (request) => {
    const profile = await store.getProfile(request.params.id)
    if (!profile) throw new AppError('PROFILE_NOT_FOUND', `profile "${request.params.id}" does not exist`)
    await audit.record(request, 'profile.read', profile.id)
    return profile
  })

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>('/v1/profiles/:id/events', { config: PERSONAL_READ }, async (request) => {
    const id = await store.resolveProfileId(request.params.id)
    if (id === null) throw new AppError('PROFILE_NOT_FOUND', `profile "${request.params.id}" does not exist`)
    const limit = parseLimit(request.query.limit, 50, 500)
    const page = await store.listProfileEvents(id, { limit, ...(request.query.cursor ? { cursor: request.query.cursor } : {}) })
    await audit.record(request, 'profile.events', id, { events: page.items.length })
    return { profileId: id, ...page }
  })

  app.get<{ Querystring: LookupQuery }>('/v1/profiles', { config: PERSONAL_READ }, async (request) => {
    const query = request.query
    if (query.q !== undefined) {
      if (query.q.trim().length < 2) throw new AppError('REQUEST_INVALID', `q must have at least 2 characters, got "${query.q}"`)
      const items = await store.searchProfiles(query.q, parseLimit(query.limit, 20, 100))
      // The search text may itself be personal (a name, an email prefix): the log keeps which profiles were shown.
      await audit.record(request, 'profile.search', null, { shown: items.map((p) => p.id) })
      return { items }
    }
    const key = lookupKey(query, deps.defaultCountry)
    const profileId = await store.findProfileIdByIdentifier(key)
    const profile = profileId ? await store.getProfile(profileId) : null
    if (!profile) throw new AppError('PROFILE_NOT_FOUND', `no profile has identifier ${key}`)
    await audit.record(request, 'profile.read', profile.id, { by: key.slice(0, key.indexOf(':')) })
    return profile
  })
}

function lookupKey(query: LookupQuery, defaultCountry: string): string {
  if (query.email !== undefined) {
    const email = normalizeEmail(query.email)
    if (!email) throw new AppError('REQUEST_INVALID', `email must be an email address, got "${query.email}"`)
    return identifierKey({ kind: 'email', value: email })
  }
  if (query.phone !== undefined) {
    const phone = normalizePhone(query.phone, defaultCountry)
    if (!phone) throw new AppError('REQUEST_INVALID', `phone must be a valid phone number, got "${query.phone}"`)
    return identifierKey({ kind: 'phone', value: phone })
  }
  if (query.userId !== undefined) return identifierKey({ kind: 'userId', value: query.userId })
  if (query.anonymousId !== undefined) return identifierKey({ kind: 'anonymousId', value: query.anonymousId })
  if (query.externalId !== undefined) {
    const colon = query.externalId.indexOf(':')
    if (colon <= 0) throw new AppError('REQUEST_INVALID', `externalId must be type:value, got "${query.externalId}"`)
    return identifierKey({ kind: `external:${query.externalId.slice(0, colon)}`, value: query.externalId.slice(colon + 1) })
  }
  throw new AppError('REQUEST_INVALID', 'one of q, email, userId, anonymousId, phone or externalId is required')
}

/** Reads a `limit` query parameter within bounds. */
export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AppError('REQUEST_INVALID', `limit must be an integer from 1 to ${max}, got "${raw}"`)
  return n
}
