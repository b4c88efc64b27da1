import type { FastifyInstance } from 'fastify'
import type { LogProcessor } from '../collect/processor.js'
import { AppError } from '../core/errors.js'

export const POSITION_HEADER = 'x-salestwin-position'
const MAX_WAIT_MS = 30_000

/**
 * Read-your-writes behind the event log (issue 13; docs/events.md): a profile read may name the log
 * position its writer got back (`?position=N`, waiting up to `waitMs`, default 5 s), and every
 * profile response says in `X-Salestwin-Position` up to which position it reflects. Without a log
 * collection writes the store before it answers, and these reads need nothing.
 */
export function installReadPositions(app: FastifyInstance, processor: LogProcessor): void {
  const isProfileRead = (url: string, method: string) => method === 'GET' && url.startsWith('/v1/profiles')
  app.addHook('preHandler', async (request) => {
    if (!isProfileRead(request.url, request.method)) return
    const query = request.query as { position?: string; waitMs?: string }
    if (query.position === undefined) return
    const position = Number(query.position)
    if (!Number.isInteger(position) || position < 0) throw new AppError('REQUEST_INVALID', `position must be a log position (an integer of at least 0), got "${query.position}"`)
    const waitMs = query.waitMs === undefined ? 5000 : Number(query.waitMs)
    if (!Number.isFinite(waitMs) || waitMs < 0 || waitMs > MAX_WAIT_MS) throw new AppError('REQUEST_INVALID', `waitMs must be from 0 to ${MAX_WAIT_MS}, got "${query.waitMs}"`)
    // Not there in time: the answer still comes, and its header says how far it reflects.
    await processor.waitFor(position, waitMs)
  })
  app.addHook('onSend', async (request, reply) => {
    if (isProfileRead(request.url, request.method)) void reply.header(POSITION_HEADER, String(processor.applied))
  })
}
