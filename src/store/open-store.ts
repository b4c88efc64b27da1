import { AppError, assertNever } from '../core/errors.js'
import type { StoreConfigLike } from '../core/store-config.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/**
 * Opens the configured store and brings its schema up to date.
 *
 * @example
 * const store = await openStore({ kind: 'sqlite', path: './salestwin.db' })
 */
export async function openStore(config: StoreConfigLike): Promise<Store> {
  try {
    switch (config.kind) {
      case 'sqlite':
        return await openSqliteStore(config.path)
      case 'postgres':
        return await openPostgresStore(config.url)
      default:
        return assertNever(config)
    }
  } catch (err) {
    const where = config.kind === 'sqlite' ? config.path : 'the PostgreSQL server'
    throw new AppError('STORE_UNAVAILABLE', `cannot open the store at ${where}: ${(err as Error).message}`, { cause: err })
  }
}
