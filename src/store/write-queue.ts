import type { Store, WriteTx } from './store.js'
import { TxQueue } from './tx-queue.js'

/**
 * Group commit for small writes (audit lines, consent changes): callers push items and wait; the
 * items pushed while a transaction is being written go together in the next one (TxQueue), so a
 * burst of a thousand requests costs a few commits instead of a thousand. A resolved promise means
 * durable.
 *
 * @example
 * const audit = new WriteQueue(store, (tx, entries) => tx.appendAudit(entries))
 * await audit.push([entry])
 */
export class WriteQueue<T> {
  private readonly queue: TxQueue

  constructor(
    store: Pick<Store, 'write'>,
    private readonly writeItems: (tx: WriteTx, items: T[]) => Promise<void>,
  ) {
    this.queue = new TxQueue(store)
  }

  push(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    return this.queue.run((tx) => this.writeItems(tx, items))
  }
}
