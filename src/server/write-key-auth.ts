import type { FastifyRequest } from 'fastify'
import { AppError } from '../core/errors.js'
import type { Source, Store } from '../store/store.js'

const CACHE_MS = 10_000

/**
 * Finds the source of a collection request from its write key: HTTP Basic with the key as
 * user name (Segment's SDKs), or `writeKey` in the body (the browser's beacon fallback).
 * Known keys are cached briefly so the hot path does not hit the store per request.
 */
export class WriteKeyAuth {
  private readonly cache = new Map<string, { source: Source; until: number }>()

  constructor(private readonly store: Store) {}

  async authenticate(request: FastifyRequest): Promise<Source> {
    const key = writeKeyOf(request)
    if (key === null) {
      throw new AppError('WRITE_KEY_INVALID', 'a write key is required: HTTP Basic with the key as user name, or "writeKey" in the body')
    }
    const cached = this.cache.get(key)
    if (cached && cached.until > Date.now()) return cached.source
    const source = await this.store.findSourceByWriteKey(key)
    if (source === null) throw new AppError('WRITE_KEY_INVALID', `write key must belong to a source, got "${mask(key)}"`)
    this.cache.set(key, { source, until: Date.now() + CACHE_MS })
    return source
  }
}

function writeKeyOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const user = decoded.split(':')[0]
    if (user) return user
  }
  const body = request.body as { writeKey?: unknown } | undefined
  return typeof body?.writeKey === 'string' && body.writeKey ? body.writeKey : null
}

/** Shows enough of a key to recognise it, never the whole secret. */
function mask(key: string): string {
  return key.length <= 6 ? '***' : `${key.slice(0, 6)}***`
}
