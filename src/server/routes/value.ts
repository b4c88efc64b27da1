import type { FastifyInstance } from 'fastify'
import { AppError } from '../../core/errors.js'
import type { Store } from '../../store/store.js'
import type { Access } from '../access/guard.js'

/** The latest value refresh: model fits, clusters with their potential, and the holdout check (data for charts). */
export function valueRoutes(app: FastifyInstance, deps: { store: Store }): void {
  app.get('/v1/value', { config: { access: { roles: ['analyst', 'admin'] } satisfies Access } }, async () => {
    const run = await deps.store.values.latestRun()
    if (!run) throw new AppError('NOT_FOUND', 'no value refresh has run yet; run: salestwin value fit')
    return { computedAt: run.computedAt, ...run.data }
  })
}
