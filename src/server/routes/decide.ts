import type { FastifyInstance } from 'fastify'
import { AppError } from '../../core/errors.js'
import type { DecideService } from '../../decide/decide-service.js'
import { lookupKey, type IdentifierLookup } from '../../identity/lookup-key.js'
import { requireProfileId } from '../../store/profile-id.js'
import type { Store } from '../../store/store.js'
import type { AuditLog } from '../access/audit.js'
import { principalOf, type Access } from '../access/guard.js'
import { parseLimit } from './params.js'
import { alertReport, calibrationReport, performanceReport, reportPeriod, valueCurveReport } from '../../decide/learning/report.js'
import { experimentsReport } from '../../decide/learning/experiment-report.js'

/** Deciding and reporting outcomes: the web page or app (its source key), the agent's desk, admins. */
const DECIDES = { access: { roles: ['source', 'agent', 'admin'], personal: true } satisfies Access }
/** Reporting what a customer did discloses nothing: the answer says only whether it was new. */
const REPORTS_OUTCOMES = { access: { roles: ['source', 'agent', 'admin'] } satisfies Access }
const READS_DECISIONS = { access: { roles: ['agent', 'admin'], personal: true } satisfies Access }
const READS_CATALOG = { access: { roles: ['marketer', 'analyst', 'agent', 'admin'] } satisfies Access }
const EDITS_CATALOG = { access: { roles: ['marketer', 'admin'] } satisfies Access }
/** How the offers do and how well the model predicts: aggregates, nothing about a person. */
const READS_LEARNING = { access: { roles: ['marketer', 'analyst', 'admin'] } satisfies Access }

interface DecideBody extends IdentifierLookup {
  profileId?: string
  channel?: string
  placement?: string
  n?: number
  context?: { device?: string; page?: string }
}

interface OutcomeBody {
  decisionId?: string
  offerId?: string
  outcome?: string
  value?: number
  profileId?: string
}

const IDENTIFIERS = ['userId', 'anonymousId', 'email', 'phone', 'externalId'] as const

/** POST /v1/decide, POST /v1/outcomes, the stored decisions, and the catalog (docs/decide.md). */
export function decideRoutes(app: FastifyInstance, deps: { store: Store; decide: DecideService; audit: AuditLog; defaultCountry: string }): void {
  const { store, decide, audit } = deps

  app.post<{ Body: DecideBody }>('/v1/decide', { config: DECIDES }, async (request) => {
    const body = objectBody(request.body)
    if (typeof body.channel !== 'string') throw new AppError('REQUEST_INVALID', `channel is required (a string), got ${JSON.stringify(body.channel)}`)
    // A source key is public (it ships in a web page or an app): it decides for the visitor it
    // knows by their own identifiers, never for a profile id picked from elsewhere.
    if (principalOf(request).role === 'source' && body.profileId !== undefined) {
      throw new AppError('ROLE_FORBIDDEN', 'a source key decides by the visitor\'s own identifiers (anonymousId, userId), not by profileId; use an agent key for profile ids')
    }
    const identifier: IdentifierLookup = {}
    for (const k of IDENTIFIERS) if (typeof body[k] === 'string') identifier[k] = body[k]
    const result = await decide.decide({
      channel: body.channel,
      ...(typeof body.profileId === 'string' ? { profileId: body.profileId } : {}),
      ...(Object.keys(identifier).length > 0 ? { identifierKey: lookupKey(identifier, deps.defaultCountry) } : {}),
      ...(body.placement !== undefined ? { placement: String(body.placement) } : {}),
      ...(body.n !== undefined ? { n: body.n } : {}),
      ...(body.context ? { context: body.context } : {}),
    })
    await audit.record(request, 'decision.made', result.profileId, { decisionId: result.decisionId, channel: result.channel })
    // A source key is a browser's or an app's, public by nature: it gets the offers, not the explanation
    // (which quotes the customer's values); agents and admins get both (GET /v1/decisions/:id too).
    return principalOf(request).role === 'source' ? { ...result, explanation: undefined } : result
  })

  app.post<{ Body: OutcomeBody }>('/v1/outcomes', { config: REPORTS_OUTCOMES }, async (request, reply) => {
    const body = objectBody(request.body)
    for (const field of ['decisionId', 'offerId', 'outcome'] as const) {
      if (typeof body[field] !== 'string') throw new AppError('REQUEST_INVALID', `${field} is required (a string), got ${JSON.stringify(body[field])}`)
    }
    const principal = principalOf(request)
    const result = await decide.recordOutcome({
      decisionId: body.decisionId!,
      offerId: body.offerId!,
      outcome: body.outcome!,
      ...(body.value !== undefined ? { value: body.value } : {}),
      ...(typeof body.profileId === 'string' ? { profileId: body.profileId } : {}),
      source: `api:${principal.name}`,
    })
    void reply.status(result.recorded ? 201 : 200)
    return result
  })

  app.get<{ Params: { id: string } }>('/v1/decisions/:id', { config: READS_DECISIONS }, async (request) => {
    const d = await store.decisions.decision(request.params.id)
    if (!d) throw new AppError('DECISION_NOT_FOUND', `no decision has id "${request.params.id}"`)
    await audit.record(request, 'decision.read', d.profileId, { decisionId: d.id })
    return d
  })

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/v1/profiles/:id/decisions', { config: READS_DECISIONS }, async (request) => {
    const id = await requireProfileId(store, request.params.id)
    const items = await store.decisions.decisionsOf(id, { limit: parseLimit(request.query.limit, 20, 200) })
    await audit.record(request, 'profile.decisions', id, { decisions: items.length })
    return { profileId: id, items }
  })

  type Period = { Querystring: { from?: string; to?: string } }
  app.get<Period>('/v1/decide/performance', { config: READS_LEARNING }, async (request) => performanceReport(store, decide.catalog, reportPeriod(request.query, decide.time())))
  app.get<Period>('/v1/decide/calibration', { config: READS_LEARNING }, async (request) => calibrationReport(store, reportPeriod(request.query, decide.time())))
  app.get<{ Querystring: { campaign?: string; days?: string } }>('/v1/decide/value-curve', { config: READS_LEARNING }, async (request) => valueCurveReport(store, decide.catalog, request.query, decide.time()))
  app.get<Period>('/v1/experiments', { config: READS_LEARNING }, async (request) => experimentsReport(store, decide.catalog, reportPeriod(request.query, decide.time())))
  app.get('/v1/decide/alerts', { config: READS_LEARNING }, async () => alertReport(store, (await decide.learning()).alerts, decide.time()))

  app.get('/v1/catalog', { config: READS_CATALOG }, async () => {
    const catalog = decide.catalog
    if (!catalog) return { version: null, campaigns: [], placements: [] }
    return { version: catalog.version, ...catalog.spec, placements: [...catalog.placements.values()] }
  })

  app.put<{ Querystring: { dryRun?: string } }>('/v1/catalog', { config: EDITS_CATALOG }, async (request) => {
    const principal = principalOf(request)
    const result = await decide.apply(request.body, `api:${principal.name}`, { dryRun: request.query.dryRun === 'true' })
    await audit.record(request, result.dryRun ? 'catalog.checked' : 'catalog.applied', null, { version: result.version, campaigns: result.campaigns })
    return result
  })
}

function objectBody<T>(body: T | undefined): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError('REQUEST_INVALID', `the body must be a JSON object, got ${JSON.stringify(body)?.slice(0, 40)}`)
  return body
}
