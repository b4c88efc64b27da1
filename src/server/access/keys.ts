import { mintKey, ROLES, type ApiKey, type Role } from '../../core/api-key.js'
import { AppError, describeValue } from '../../core/errors.js'
import type { Store } from '../../store/store.js'

/** A key as lists show it: never the hash, never the secret. */
export type KeyView = Omit<ApiKey, 'hash'>

/**
 * Creates an API key; the secret is in the result this once (the store keeps its hash).
 *
 * @example
 * const { secret } = await createApiKey(store, { role: 'analyst', name: 'bi-export' })
 */
export async function createApiKey(store: Store, input: { role: unknown; name: unknown; source?: unknown }): Promise<KeyView & { secret: string }> {
  if (typeof input.role !== 'string' || !(ROLES as readonly string[]).includes(input.role)) {
    throw new AppError('REQUEST_INVALID', `role must be one of ${ROLES.join(', ')}, got ${describeValue(input.role)}`)
  }
  if (typeof input.name !== 'string' || !/^\S.{0,62}$/.test(input.name)) {
    throw new AppError('REQUEST_INVALID', `name must be 1 to 63 characters, got ${describeValue(input.name)}`)
  }
  const role = input.role as Role
  let source: string | null = null
  if (role === 'source') {
    if (typeof input.source !== 'string') throw new AppError('REQUEST_INVALID', `source is required for a key of role source, got ${describeValue(input.source)}`)
    const sourceName = input.source
    if (!(await store.access.listSources()).some((s) => s.name === sourceName)) {
      throw new AppError('SOURCE_NOT_FOUND', `source "${sourceName}" does not exist; create it with: salestwin sources create ${sourceName}`)
    }
    source = sourceName
  } else if (input.source !== undefined) {
    throw new AppError('REQUEST_INVALID', `source applies to keys of role source only, got role ${role}`)
  }
  const { secret, key } = mintKey(role, input.name, source, new Date().toISOString())
  await store.access.putApiKey(key)
  return { ...view(key), secret }
}

export async function listApiKeys(store: Store): Promise<KeyView[]> {
  return (await store.access.listApiKeys()).map(view)
}

export async function revokeApiKey(store: Store, id: string): Promise<KeyView> {
  if (!(await store.access.revokeApiKey(id, new Date().toISOString()))) {
    throw new AppError('KEY_NOT_FOUND', `no key has id "${id}"; list them with: salestwin keys list`)
  }
  return (await listApiKeys(store)).find((k) => k.id === id)!
}

/** The first admin key: made when the store has none, so that a fresh install can be administered. */
export async function ensureAdminKey(store: Store): Promise<(KeyView & { secret: string }) | null> {
  const keys = await store.access.listApiKeys()
  if (keys.some((k) => k.role === 'admin' && k.revokedAt === null)) return null
  return createApiKey(store, { role: 'admin', name: 'first-admin' })
}

function view({ hash: _hash, ...rest }: ApiKey): KeyView {
  return rest
}
