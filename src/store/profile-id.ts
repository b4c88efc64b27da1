import { AppError } from '../core/errors.js'
import type { Store } from './store.js'

/** The PROFILE_NOT_FOUND error for an id (or merged-away id) the store does not know. */
export function profileNotFound(id: string): AppError {
  return new AppError('PROFILE_NOT_FOUND', `profile "${id}" does not exist`)
}

/**
 * The id of the profile `id` names now (a merged-away id leads to the survivor), or PROFILE_NOT_FOUND.
 *
 * @example
 * const id = await requireProfileId(store, request.params.id)
 */
export async function requireProfileId(store: Pick<Store, 'profiles'>, id: string): Promise<string> {
  const resolved = await store.profiles.resolve(id)
  if (resolved === null) throw profileNotFound(id)
  return resolved
}
