import { Worker } from 'node:worker_threads'
import type { Config } from '../config/config.js'
import type { RefreshOutcome } from './refresh-all.js'

/**
 * Runs {@link refreshAll} in a worker thread and resolves with its outcome. From source (tests,
 * tsx) the worker is the .ts file, loaded through tsx; from dist/ it is plain JavaScript.
 */
export async function runRefreshInWorker(config: Config): Promise<RefreshOutcome> {
  // Rejected, not thrown: the server's timer only handles a failed promise.
  if (config.store.kind === 'sqlite' && config.store.path === ':memory:') {
    throw new Error('a store in memory cannot be shared with a worker thread; use a file or PostgreSQL')
  }
  const fromSource = import.meta.url.endsWith('.ts')
  const worker = fromSource
    ? // tsx's loader, registered inside the worker (a worker does not inherit the parent's loader hooks).
      new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./refresh-worker.ts', import.meta.url).href)}) })`, { eval: true, workerData: { config } })
    : new Worker(new URL('./refresh-worker.js', import.meta.url), { workerData: { config } })
  return new Promise((resolve, reject) => {
    let answered = false
    worker.once('message', (m: { ok: true; outcome: RefreshOutcome } | { ok: false; error: string }) => {
      answered = true
      if (m.ok) resolve(m.outcome)
      else reject(new Error(m.error))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the refresh worker exited with code ${code} before it answered`))
    })
  })
}
