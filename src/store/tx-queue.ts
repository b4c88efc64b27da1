import type { Store, WriteTx } from './store.js'

/**
 * Group commit for jobs that each need their own answer (decisions with their reservations,
 * outcomes): jobs that arrive while a transaction is being written wait and then run together in
 * the next one, each getting its own result. A resolved promise means committed. A job that throws
 * aborts its whole group (the store is the likely cause), and every job of the group is rejected.
 *
 * @example
 * const writes = new TxQueue(store)
 * const stored = await writes.run((tx) => tx.insertOutcomes(rows))
 */
export class TxQueue {
  private queue: { job: (tx: WriteTx) => Promise<unknown>; resolve: (value: unknown) => void; reject: (err: unknown) => void }[] = []
  private draining: Promise<void> | null = null

  constructor(private readonly store: Pick<Store, 'write'>) {}

  run<T>(job: (tx: WriteTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (value: unknown) => void, reject })
      this.draining ??= this.drain().finally(() => {
        this.draining = null
      })
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue
      this.queue = []
      try {
        const results = await this.store.write(async (tx) => {
          const out: unknown[] = []
          for (const j of jobs) out.push(await j.job(tx))
          return out
        })
        jobs.forEach((j, i) => j.resolve(results[i]))
      } catch (err) {
        for (const j of jobs) j.reject(err)
      }
    }
  }
}
