import { mintKey } from '../core/api-key.js'
import { AppError } from '../core/errors.js'
import type { Source, Store } from '../store/store.js'

const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,62}$/

/** A source with the write key made for it; the key is shown this once (the store keeps its hash). */
export interface CreatedSource extends Source {
  writeKey: string
  keyId: string
}

/** Creates a source with a fresh write key (an API key of role `source`). */
export async function createSource(store: Store, name: string): Promise<CreatedSource> {
  if (!SOURCE_NAME.test(name)) {
    throw new AppError('REQUEST_INVALID', `source name must be lower-case letters, digits, _ or - (starting with a letter), got "${name}"`)
  }
  const existing = (await store.access.listSources()).find((s) => s.name === name)
  if (existing) throw new AppError('SOURCE_EXISTS', `source "${name}" exists already; list it with: salestwin sources list`)
  const now = new Date().toISOString()
  const source = await store.access.createSource(name, now)
  const { secret, key } = mintKey('source', name, name, now)
  await store.access.putApiKey(key)
  return { ...source, writeKey: secret, keyId: key.id }
}

/** Creates each named source that does not exist yet; returns the ones it created, with their keys. */
export async function ensureSources(store: Store, names: readonly string[]): Promise<CreatedSource[]> {
  const existing = new Set((await store.access.listSources()).map((s) => s.name))
  const created: CreatedSource[] = []
  for (const name of names) if (!existing.has(name)) created.push(await createSource(store, name))
  return created
}

/** Every source with its active write keys, by id and hint (the keys themselves are not kept). */
export async function listSourcesWithKeys(store: Store): Promise<(Source & { keys: { id: string; hint: string }[] })[]> {
  const [sources, keys] = await Promise.all([store.access.listSources(), store.access.listApiKeys()])
  const active = keys.filter((k) => k.role === 'source' && k.revokedAt === null)
  return sources.map((s) => ({ ...s, keys: active.filter((k) => k.source === s.name).map((k) => ({ id: k.id, hint: k.hint })) }))
}
