import type { FastifyInstance } from 'fastify'
import type { ConsentService } from '../../consent/consent-service.js'
import { parseConsentBody } from '../../consent/parse-consent.js'
import { exportPerson, erasePerson } from '../../consent/privacy.js'
import { pseudonymizedProfiles } from '../../consent/pseudonymized-export.js'
import type { ChannelOrAll } from '../../consent/rules.js'
import { AppError } from '../../core/errors.js'
import { timeParam } from '../../core/time.js'
import { requireProfileId } from '../../store/profile-id.js'
import type { Store } from '../../store/store.js'
import { auditEntry, type AuditLog } from '../access/audit.js'
import { principalOf, type Access } from '../access/guard.js'
import { PERSONAL_READ } from './profiles.js'
import { consentFiguresFor } from '../../refresh/kept-results.js'

const ADMIN_PERSONAL = { access: { roles: ['admin'], personal: true } satisfies Access }
const AGGREGATES = { access: { roles: ['analyst', 'admin'] } satisfies Access }

type Id = { Params: { id: string } }

/** Consent ledger, the `mayContact` gate, GDPR export and erasure, consent figures, the pseudonymized export. */
export function consentRoutes(app: FastifyInstance, deps: { store: Store; consent: ConsentService; audit: AuditLog; onErased?: (profileId: string) => void }): void {
  const { store, consent, audit } = deps
  const profileIdOf = (id: string) => requireProfileId(store, id)

  app.get<Id & { Querystring: { at?: string } }>('/v1/profiles/:id/consent', { config: PERSONAL_READ }, async (request) => {
    const id = await profileIdOf(request.params.id)
    const summary = await consent.summary(id, request.query.at ? timeParam('at', request.query.at) : undefined)
    await audit.record(request, 'consent.read', id)
    return { profileId: id, ...summary }
  })

  app.put<Id>('/v1/profiles/:id/consent', { config: { access: { roles: ['agent', 'admin'], personal: true } } }, async (request) => {
    const id = await profileIdOf(request.params.id)
    const changes = parseConsentBody(request.body, { policy: consent.policy, source: `api:${principalOf(request).name}` })
    const detail = { changes: changes.map(({ purpose, channel, state, occurredAt, legalBasis }) => ({ purpose, channel, state, occurredAt, legalBasis })) }
    await consent.record(id, changes, [auditEntry(request, 'consent.change', id, detail)])
    return { profileId: id, recorded: changes.length }
  })

  app.get<Id & { Querystring: { purpose?: string; channel?: string; at?: string } }>('/v1/profiles/:id/may-contact', { config: PERSONAL_READ }, async (request) => {
    const { purpose, channel } = request.query
    if (!purpose || !channel) throw new AppError('CONSENT_INVALID', `purpose and channel are required, got purpose=${purpose ?? '(none)'} channel=${channel ?? '(none)'}`)
    const id = await profileIdOf(request.params.id)
    const at = request.query.at ? timeParam('at', request.query.at) : new Date().toISOString()
    const verdict = await consent.mayContact(id, purpose, channel as ChannelOrAll, at)
    await audit.record(request, 'consent.check', id, { purpose, channel, allowed: verdict.allowed })
    return { profileId: id, purpose, channel, at, allowed: verdict.allowed, state: verdict.state, reason: verdict.reason }
  })

  app.get<Id>('/v1/profiles/:id/export', { config: ADMIN_PERSONAL }, async (request) => {
    const data = await exportPerson(store, consent, request.params.id)
    await audit.record(request, 'profile.export', data.profile.id, { events: data.events.length })
    return data
  })

  app.delete<Id>('/v1/profiles/:id', { config: ADMIN_PERSONAL }, async (request) => {
    const erased = await erasePerson(store, consent, request.params.id, (id, removed) => auditEntry(request, 'profile.erase', id, { removed }))
    // What the server keeps in memory about the person goes too (the decisions' feature view).
    deps.onErased?.(erased.profileId)
    return erased
  })

  app.get<{ Querystring: { from?: string; to?: string; interval?: string } }>('/v1/consent/figures', { config: AGGREGATES }, async (request) =>
    consentFiguresFor(store, consent, request.query),
  )

  app.get('/v1/exports/profiles', { config: AGGREGATES }, async () => pseudonymizedProfiles(store, consent.policy))
}
