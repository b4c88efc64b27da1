import type { FastifyInstance } from 'fastify'
import { AppError } from '../../core/errors.js'
import { runAttribution } from '../../journey/run-attribution.js'
import type { Store } from '../../store/store.js'
import type { Access } from '../access/guard.js'
import type { ChannelRules } from '../../journey/channel.js'
import { AGGREGATE_KINDS } from '../../refresh/refresh-all.js'

/** Which touchpoints earn the conversions: every model's per-channel credits and the top paths. */
export function attributionRoutes(app: FastifyInstance, deps: { store: Store; rules?: ChannelRules }): void {
  app.get<{ Querystring: { model?: string; from?: string; to?: string; conversion?: string; lookbackDays?: string; markovOrder?: string; month?: string } }>('/v1/attribution', { config: { access: { roles: ['analyst', 'admin'] } satisfies Access } }, async (request) => {
    const q = request.query
    if (q.month !== undefined) {
      // One month's journeys, as the periodic refresh kept them (every model, default settings).
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(q.month)) throw new AppError('REQUEST_INVALID', `month must be YYYY-MM, got "${q.month}"`)
      if (Object.keys(q).some((k) => k !== 'month' && !(k === 'model' && q.model === 'all'))) throw new AppError('REQUEST_INVALID', 'month takes no other parameter: it answers from the periodic refresh')
      const kept = await deps.store.latestAggregate(AGGREGATE_KINDS.attributionOfMonth(q.month))
      if (!kept) throw new AppError('NOT_FOUND', `no attribution kept for ${q.month}: no journey ends in it, or the refresh has not run yet (salestwin refresh)`)
      return { computedAt: kept.computedAt, fromRefresh: true, month: q.month, ...(kept.data as object) }
    }
    // Without parameters: the periodic refresh's result (every model, the whole history), so that
    // the dashboard's default view never computes over every event per request (issue 15).
    if (Object.keys(q).length === 0 || (Object.keys(q).length === 1 && q.model === 'all')) {
      const kept = await deps.store.latestAggregate(AGGREGATE_KINDS.attribution)
      if (kept) return { computedAt: kept.computedAt, fromRefresh: true, ...(kept.data as object) }
    }
    const computedAt = new Date().toISOString()
    const report = await runAttribution(deps.store, {
      model: q.model ?? 'all',
      ...(deps.rules ? { rules: deps.rules } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.conversion ? { conversion: q.conversion } : {}),
      ...(q.lookbackDays ? { lookbackDays: Number(q.lookbackDays) } : {}),
      ...(q.markovOrder ? { markovOrder: Number(q.markovOrder) } : {}),
    })
    return { computedAt, fromRefresh: false, ...report }
  })
}
