import type { FastifyInstance } from 'fastify'
import type { LogProcessor } from '../../collect/processor.js'
import { AppError } from '../../core/errors.js'
import type { Store } from '../../store/store.js'
import type { AuditLog } from '../access/audit.js'
import type { Access } from '../access/guard.js'
import { parseLimit } from './params.js'

// Quarantined payloads and conflicting identifiers are raw personal data: admins only.
const ADMIN = { access: { roles: ['admin'], personal: true } satisfies Access }
const AGGREGATES = { access: { roles: ['analyst', 'admin'] } satisfies Access }

/** What collection refused or could not merge: the quarantine and the identity conflicts. */
export function dataQualityRoutes(app: FastifyInstance, deps: { store: Store; audit: AuditLog; processor?: LogProcessor }): void {
  app.get<{ Querystring: { limit?: string; cursor?: string; source?: string; severity?: string } }>('/v1/quarantine', { config: ADMIN }, async (request) => {
    const { cursor, source, severity } = request.query
    if (severity !== undefined && severity !== 'rejected' && severity !== 'warning') {
      throw new AppError('REQUEST_INVALID', `severity must be rejected or warning, got "${severity}"`)
    }
    const page = await deps.store.events.quarantine({
      limit: parseLimit(request.query.limit, 50, 500),
      ...(cursor ? { cursor } : {}),
      ...(source ? { source } : {}),
      ...(severity ? { severity } : {}),
    })
    await deps.audit.record(request, 'quarantine.read', null, { entries: page.items.map((e) => e.id) })
    return page
  })

  app.get<{ Querystring: { limit?: string } }>('/v1/identity/conflicts', { config: ADMIN }, async (request) => {
    const items = await deps.store.profiles.conflicts(parseLimit(request.query.limit, 50, 500))
    await deps.audit.record(request, 'identity.conflicts.read', null, { conflicts: items.length })
    return { items }
  })

  app.get('/v1/stats', { config: AGGREGATES }, async () => ({ ...(await deps.store.events.counts()), ...(deps.processor ? { log: deps.processor.status } : {}) }))

  // Events per day by source, channel and type, from the running counts (no scan of events).
  app.get<{ Querystring: { from?: string; to?: string } }>('/v1/stats/events', { config: AGGREGATES }, async (request) => {
    const day = (name: string, v: string | undefined) => {
      if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new AppError('REQUEST_INVALID', `${name} must be a day (YYYY-MM-DD), got "${v}"`)
      return v
    }
    const from = day('from', request.query.from)
    const to = day('to', request.query.to)
    return { items: await deps.store.events.countsByDay({ ...(from ? { from } : {}), ...(to ? { to } : {}) }) }
  })
}
