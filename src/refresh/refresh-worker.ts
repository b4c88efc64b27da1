import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config/config.js'
import { openStore } from '../store/open-store.js'
import { refreshAll } from './refresh-all.js'

/**
 * The refresh on a thread of its own, with its own connection to the store: the fits, the
 * attribution models and the figures take seconds of CPU at a million customers, which the
 * server's thread spends on collection and reads instead (issue 15). Posts the outcome, or the
 * error's message, and ends.
 */
const config = (workerData as { config: Config }).config
const store = await openStore(config.store)
try {
  parentPort!.postMessage({ ok: true, outcome: await refreshAll(store, config) })
} catch (err) {
  parentPort!.postMessage({ ok: false, error: (err as Error).message })
} finally {
  await store.close()
}
