import type { Store, WriteTx } from './store.js'

/**
 * Group commit for small writes (audit lines, consent changes): callers push items and wait; one
 * drain loop writes everything queued so far in one transaction, so a burst of a thousand
 * requests costs a few commits instead of a thousand. A resolved promise means durable.
 *
 * @example
 * const audit = new WriteQueue(store, (tx, entries) => tx.appendAudit(entries))
 * await audit.push([entry])
 */
export class WriteQueue<T> {
  private queue: { items: T[]; resolve: () => void; reject: (err: unknown) => void }[] = []
  private draining: Promise<void> | null = null

  constructor(
    private readonly store: Store,
    private readonly writeItems: (tx: WriteTx, items: T[]) => Promise<void>,
  ) {}

  push(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject })
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
        await this.store.write((tx) => this.writeItems(tx, jobs.flatMap((j) => j.items)))
        for (const job of jobs) job.resolve()
      } catch (err) {
        for (const job of jobs) job.reject(err)
      }
    }
  }
}
