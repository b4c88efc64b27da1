import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Collector, ItemResult, RawItem } from '../../collect/collector.js'
import { AppError } from '../../core/errors.js'
import type { EventType } from '../../core/event.js'
import { principalOf, type Access } from '../access/guard.js'
import { isPlainObject } from '../../core/values.js'
import { handleError } from '../errors.js'
import type { LoadShedder } from '../load-shedder.js'

const SINGLE: Record<string, EventType> = {
  identify: 'identify', i: 'identify',
  track: 'track', t: 'track',
  page: 'page', p: 'page',
  screen: 'screen', s: 'screen',
  group: 'group', g: 'group',
  alias: 'alias', a: 'alias',
}

/** Segment's HTTP Tracking API: `/v1/batch` and the single-event paths, long and short. */
export function collectRoutes(app: FastifyInstance, deps: { collector: Collector; shedder?: LoadShedder }): void {
  // A source's write key sends events for that source only: the source comes from the key, never from the body.
  const config = { access: { roles: ['source'], collection: true } satisfies Access }
  // Shed before the body is read and parsed: under overload that work is what starves /health and reads.
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const shedder = deps.shedder
    const admitted = shedder ? shedder.admit() : { ticket: -1 }
    // 'close' fires once the answer is sent or the connection is gone, whichever way a request ends:
    // an admitted request is never left open in the shedder's books.
    if (shedder && 'ticket' in admitted) reply.raw.once('close', () => shedder.done(admitted.ticket))
    const overloaded = 'refused' in admitted ? admitted.refused : deps.collector.isOverloaded()
    if (!overloaded) return undefined
    handleError(overloaded, request, reply)
    return reply
  }
  const hooks = { onRequest }
  const batch = async (request: FastifyRequest, reply: FastifyReply) => {
    const source = sourceOf(request)
    const body = asObject(request.body)
    if (!Array.isArray(body.batch)) {
      throw new AppError('REQUEST_INVALID', `batch must be an array of messages, got ${typeof body.batch}`)
    }
    const shared = { context: asObjectOrNull(body.context), integrations: asObjectOrNull(body.integrations), sentAt: body.sentAt }
    const items: RawItem[] = body.batch.map((raw: unknown, i: number) => ({ raw: withBatchDefaults(raw, shared), path: `batch[${i}]` }))
    const results = await deps.collector.collect(items, source, { sender: senderOf(request) })
    return reply.send(summarize(results))
  }
  app.post('/v1/batch', { config, ...hooks }, batch)
  app.post('/v1/import', { config, ...hooks }, batch)
  app.post('/v1/b', { config, ...hooks }, batch)

  for (const [path, type] of Object.entries(SINGLE)) {
    app.post(`/v1/${path}`, { config, ...hooks }, async (request, reply) => {
      const source = sourceOf(request)
      const { writeKey: _key, ...raw } = asObject(request.body)
      const [result] = await deps.collector.collect([{ raw, path: '', defaultType: type }], source, { sender: senderOf(request) })
      if (result && result.status === 'rejected') throw new AppError('EVENT_INVALID', result.reason)
      return reply.send({ success: true, status: result?.status })
    })
  }
  pixelRoutes(app, deps.collector, config)
}

/** A 1×1 transparent GIF: the tracking pixel's answer. */
const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

/**
 * Segment's tracking pixel, `GET /v1/pixel/{track,page,identify}?data=<base64 JSON>`, for email
 * opens and other places that can only load an image: the JSON is one message with its `writeKey`.
 * It goes through the same collector as every other event and answers a 1×1 GIF.
 */
function pixelRoutes(app: FastifyInstance, collector: Collector, config: { access: Access }): void {
  for (const type of ['track', 'page', 'identify'] as const) {
    app.get<{ Querystring: { data?: string } }>(`/v1/pixel/${type}`, {
      config,
      // The message (with its write key) is the body of this GET: decoded before the guard reads the key.
      preValidation: async (request) => {
        request.body = decodePixel(request.query.data)
      },
    }, async (request, reply) => {
      const { writeKey: _key, ...raw } = asObject(request.body)
      const [result] = await collector.collect([{ raw, path: 'data', defaultType: type }], sourceOf(request), { sender: senderOf(request) })
      if (result && result.status === 'rejected') throw new AppError('EVENT_INVALID', result.reason)
      return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL_GIF)
    })
  }
}

function decodePixel(data: string | undefined): unknown {
  if (!data) throw new AppError('REQUEST_INVALID', 'data is required: the message as base64-encoded JSON')
  const text = Buffer.from(data, data.includes('-') || data.includes('_') ? 'base64url' : 'base64').toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new AppError('REQUEST_INVALID', `data must be base64-encoded JSON, got ${JSON.stringify(data.slice(0, 40))}`, { cause: err })
  }
}

function sourceOf(request: FastifyRequest): string {
  const { source, keyId } = principalOf(request)
  if (source === null) throw new Error(`source key ${keyId} names no source`)
  return source
}

function senderOf(request: FastifyRequest): { keyId: string; name: string } {
  const { keyId, name } = principalOf(request)
  return { keyId, name }
}

function summarize(results: ItemResult[]) {
  const rejected: { index: number; messageId: string | null; reason: string }[] = []
  const warnings: { index: number; messageId: string; warning: string }[] = []
  let stored = 0
  let accepted = 0
  let duplicates = 0
  let position = 0
  results.forEach((r, index) => {
    if (r.status === 'rejected') rejected.push({ index, messageId: r.messageId, reason: r.reason })
    else if (r.status === 'stored') stored++
    else if (r.status === 'accepted') accepted++
    else duplicates++
    if (r.status !== 'rejected') {
      for (const warning of r.warnings) warnings.push({ index, messageId: r.messageId, warning })
      if (r.position !== undefined) position = Math.max(position, r.position)
    }
  })
  // Warnings only when there are any: the answer of a clean batch stays Segment's shape plus salestwin's counts.
  // Behind an event log (issue 13) the events are `accepted`, and `position` is the log position to wait for to read them.
  const counts = position > 0 || accepted > 0 ? { accepted, duplicates, position } : { stored, duplicates }
  return { success: true, ...counts, rejected, ...(warnings.length > 0 ? { warnings } : {}) }
}

/** A batch's top-level context, integrations and sentAt apply to each message that does not set its own. */
function withBatchDefaults(raw: unknown, shared: { context: object | null; integrations: object | null; sentAt: unknown }): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const message = raw as Record<string, unknown>
  if (!shared.context && !shared.integrations && shared.sentAt === undefined) return raw
  return {
    ...message,
    ...(shared.sentAt !== undefined && message.sentAt === undefined ? { sentAt: shared.sentAt } : {}),
    ...(shared.context ? { context: { ...shared.context, ...asObjectOrNull(message.context) } } : {}),
    ...(shared.integrations ? { integrations: { ...shared.integrations, ...asObjectOrNull(message.integrations) } } : {}),
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('REQUEST_INVALID', `body must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`)
  }
  return body as Record<string, unknown>
}

function asObjectOrNull(v: unknown): Record<string, unknown> | null {
  return isPlainObject(v) ? v : null
}
