import type { Config } from '../config/config.js'
import type { Store } from '../store/store.js'
import { refreshValues, type RefreshSummary } from '../value/refresh-values.js'

/** Refits the value models on the store's orders and rescores every profile, with the configured CLV settings. */
export function refreshStoreValues(store: Store, config: Config, opts: { currency?: string; asOf?: Date; onProgress?: (ordersRead: number) => void } = {}): Promise<RefreshSummary> {
  return refreshValues(store, { discountRate: config.discountRate, horizonDays: config.clvHorizonDays, ...opts })
}
