import { AppError } from '../core/errors.js'
import { newWriteKey } from '../core/ids.js'
import type { Source, Store } from '../store/store.js'

const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,62}$/

/** Creates a source with a fresh write key. */
export async function createSource(store: Store, name: string): Promise<Source> {
  if (!SOURCE_NAME.test(name)) {
    throw new AppError('REQUEST_INVALID', `source name must be lower-case letters, digits, _ or - (starting with a letter), got "${name}"`)
  }
  const existing = (await store.listSources()).find((s) => s.name === name)
  if (existing) throw new AppError('SOURCE_EXISTS', `source "${name}" exists already; list it with: salestwin sources list`)
  return store.createSource(name, newWriteKey(), new Date().toISOString())
}

/** Creates each named source that does not exist yet; returns all of them. */
export async function ensureSources(store: Store, names: readonly string[]): Promise<Source[]> {
  const existing = new Map((await store.listSources()).map((s) => [s.name, s]))
  for (const name of names) if (!existing.has(name)) existing.set(name, await createSource(store, name))
  return names.map((n) => existing.get(n)!)
}
