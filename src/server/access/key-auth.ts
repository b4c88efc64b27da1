import type { FastifyRequest } from 'fastify'
import type { ApiKey, Role } from '../../core/api-key.js'
import { AppError } from '../../core/errors.js'
import { hashSecret } from '../../core/ids.js'
import type { Store } from '../../store/store.js'

/** The caller of a request, as its key says. */
export interface Principal {
  keyId: string
  name: string
  role: Role
  source: string | null
}

const CACHE_MS = 10_000

/**
 * Finds the key of a request: `Authorization: Bearer <key>`, HTTP Basic with the key as user name
 * (Segment's SDKs), or — for collection only — `writeKey` in the body (the browser's beacon
 * fallback). The store holds only hashes; known keys are cached for 10 s so the collection hot
 * path does not hit the store per request (a revocation through the API clears the cache at once).
 */
export class KeyAuth {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>()

  constructor(private readonly store: Store) {}

  /** The principal of the request, or API_KEY_INVALID (WRITE_KEY_INVALID on collection routes). */
  async authenticate(request: FastifyRequest, opts: { collection: boolean }): Promise<Principal> {
    const code = opts.collection ? 'WRITE_KEY_INVALID' : 'API_KEY_INVALID'
    const secret = keyOf(request, opts.collection)
    if (secret === null) {
      throw new AppError(
        code,
        opts.collection
          ? 'a write key is required: HTTP Basic with the key as user name, or "writeKey" in the body'
          : 'an API key is required: Authorization: Bearer <key> (create one with: salestwin keys create --role …)',
      )
    }
    const hash = hashSecret(secret)
    const cached = this.cache.get(hash)
    let key = cached && cached.until > Date.now() ? cached.key : null
    if (key === null) {
      key = await this.store.access.findApiKeyByHash(hash)
      if (key !== null) this.cache.set(hash, { key, until: Date.now() + CACHE_MS })
    }
    if (key === null || key.revokedAt !== null) {
      const what = opts.collection ? 'write key must belong to a source' : 'API key must be a known, unrevoked key'
      throw new AppError(code, `${what}, got "${mask(secret)}"`)
    }
    return { keyId: key.id, name: key.name, role: key.role, source: key.source }
  }

  /** Drops cached keys, e.g. after a revocation. */
  forget(): void {
    this.cache.clear()
  }
}

function keyOf(request: FastifyRequest, collection: boolean): string | null {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || null
  if (header?.startsWith('Basic ')) {
    const user = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0]
    if (user) return user
  }
  if (!collection) return null
  const body = request.body as { writeKey?: unknown } | undefined
  return typeof body?.writeKey === 'string' && body.writeKey ? body.writeKey : null
}

/** Shows enough of a key to recognise it, never the whole secret. */
function mask(key: string): string {
  return key.length <= 6 ? '***' : `${key.slice(0, 6)}***`
}
