import { describe, expect, it } from 'vitest'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'
import { TxQueue } from './tx-queue.js'

describe('TxQueue', () => {
  it('commits concurrent jobs together and gives each its own result', async () => {
    const store = await openSqliteStore(':memory:')
    try {
      let transactions = 0
      const counting: Pick<Store, 'write'> = { write: (fn) => (transactions++, store.write(fn)) }
      const queue = new TxQueue(counting)
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => queue.run((tx) => tx.reserveCampaign('c1', '2026-01-01', { total: 15 }).then((ok) => [i, ok] as const))))
      expect(results.filter(([, ok]) => ok)).toHaveLength(15)
      expect(results.map(([i]) => i)).toEqual(Array.from({ length: 40 }, (_, i) => i))
      expect(transactions).toBeLessThan(40) // grouped: the first runs alone, the rest waited and went together
      expect((await store.decisions.campaignUsage('2026-01-01')).get('c1')).toEqual({ total: 15, today: 15, spent: 0 })
    } finally {
      await store.close()
    }
  })

  it('rejects every job of a group whose transaction fails, and keeps none of its writes', async () => {
    const store = await openSqliteStore(':memory:')
    try {
      const queue = new TxQueue(store)
      const ok = queue.run((tx) => tx.reserveCampaign('c1', '2026-01-01', {}))
      const [a, b] = [queue.run((tx) => tx.reserveCampaign('c2', '2026-01-01', {})), queue.run(async () => Promise.reject(new Error('disk full')))]
      await expect(ok).resolves.toBe(true)
      await expect(a).rejects.toThrow('disk full')
      await expect(b).rejects.toThrow('disk full')
      expect([...(await store.decisions.campaignUsage('2026-01-01')).keys()]).toEqual(['c1'])
    } finally {
      await store.close()
    }
  })
})
