import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { DecisionRow, Store } from '../../src/store/store.js'
import { collectorFor, freshStore, POSTGRES_URL, type StoreKind } from '../helpers/stores.js'

const decision = (id: string, profileId: string | null, at: string, offers = [{ campaign: 'c1', offer: 'o1' }]): DecisionRow => ({
  id,
  profileId,
  at,
  channel: 'web',
  placement: 'web',
  catalogVersion: 1,
  continues: null,
  offers,
  explanation: { why: `explained ${id}` },
})

/** Decisioning's part of the store, on each adapter (sqlite.test.ts, postgres.test.ts). */
export function decisionsContract(kind: StoreKind): void {
  let store: Store

  beforeEach(async () => {
    store = await freshStore(kind)
  })
  afterEach(async () => {
    await store.close()
  })

  describe('decisions', () => {
    it('numbers catalog versions and returns the newest', async () => {
      expect(await store.decisions.latestCatalog()).toBeNull()
      expect(await store.decisions.putCatalog({ campaigns: [] }, 'admin', '2026-01-01T00:00:00.000Z')).toBe(1)
      expect(await store.decisions.putCatalog({ campaigns: [{ id: 'x' }] }, 'cli', '2026-01-02T00:00:00.000Z')).toBe(2)
      expect(await store.decisions.latestCatalog()).toEqual({ version: 2, appliedAt: '2026-01-02T00:00:00.000Z', appliedBy: 'cli', spec: { campaigns: [{ id: 'x' }] } })
    })

    it('stores decisions with their outcomes; the same outcome twice counts once', async () => {
      await store.write(async (tx) => tx.insertDecisions([decision('d1', 'p1', '2026-01-01T10:00:00.000Z'), decision('d2', 'p1', '2026-01-02T10:00:00.000Z'), decision('d3', null, '2026-01-02T11:00:00.000Z')]))
      const outcome = { decisionId: 'd1', offerId: 'o1', outcome: 'accept', at: '2026-01-01T10:05:00.000Z', value: 12.5, source: 'api:test' }
      const first = await store.write((tx) => tx.insertOutcomes([outcome, { ...outcome, outcome: 'click' }]))
      const again = await store.write((tx) => tx.insertOutcomes([outcome]))
      expect(first).toHaveLength(2)
      expect(again).toEqual([])
      const d1 = await store.decisions.decision('d1')
      expect(d1?.explanation).toEqual({ why: 'explained d1' })
      expect(d1?.outcomes.map((o) => o.outcome).sort()).toEqual(['accept', 'click'])
      expect(d1?.outcomes.find((o) => o.outcome === 'accept')?.value).toBe(12.5)
      expect((await store.decisions.decisionsOf('p1', { limit: 10 })).map((d) => d.id)).toEqual(['d2', 'd1'])
      expect((await store.decisions.decisionsOf('p1', { limit: 10, since: '2026-01-02T00:00:00.000Z' })).map((d) => d.id)).toEqual(['d2'])
      expect(await store.decisions.decision('nope')).toBeNull()
    })

    it('reserves campaign volume only below its total and daily caps, and gives it back', async () => {
      const reserve = (day: string) => store.write((tx) => tx.reserveCampaign('c1', day, { total: 3, perDay: 2 }))
      expect([await reserve('2026-01-01'), await reserve('2026-01-01'), await reserve('2026-01-01')]).toEqual([true, true, false])
      expect(await store.decisions.campaignUsage('2026-01-01')).toEqual(new Map([['c1', { total: 2, today: 2, spent: 0 }]]))
      expect([await reserve('2026-01-02'), await reserve('2026-01-02')]).toEqual([true, false])
      await store.write((tx) => tx.releaseCampaign('c1', '2026-01-02'))
      expect(await store.decisions.campaignUsage('2026-01-02')).toEqual(new Map([['c1', { total: 2, today: 0, spent: 0 }]]))
      expect(await store.write((tx) => tx.reserveCampaign('c2', '2026-01-02', {}))).toBe(true)
    })

    it('spends a campaign budget only while the cost fits, and gives the cost back with the reservation', async () => {
      const reserve = (cost: number) => store.write((tx) => tx.reserveCampaign('b1', '2026-01-01', { budget: 10 }, cost))
      expect([await reserve(4), await reserve(4.5), await reserve(2)]).toEqual([true, true, false])
      expect((await store.decisions.campaignUsage('2026-01-01')).get('b1')).toEqual({ total: 2, today: 2, spent: 8.5 })
      await store.write((tx) => tx.releaseCampaign('b1', '2026-01-01', 4))
      expect((await store.decisions.campaignUsage('2026-01-01')).get('b1')).toEqual({ total: 1, today: 1, spent: 4.5 })
      // Spend is kept without a budget too, and a budget beyond PostgreSQL's integer range holds.
      expect(await store.write((tx) => tx.reserveCampaign('b2', '2026-01-01', {}, 30_000_000))).toBe(true)
      expect(await store.write((tx) => tx.reserveCampaign('b2', '2026-01-01', { budget: 50_000_000 }, 20_000_001))).toBe(false)
      expect((await store.decisions.campaignUsage('2026-01-01')).get('b2')?.spent).toBe(30_000_000)
      const many = await Promise.all(Array.from({ length: 30 }, () => store.write((tx) => tx.reserveCampaign('b3', '2026-01-01', { budget: 7 }, 1))))
      expect(many.filter(Boolean)).toHaveLength(7)
    })

    it('never takes more than a cap when many reserve at once', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => store.write((tx) => tx.reserveCampaign('c1', '2026-01-01', { total: 7 }))))
      expect(results.filter(Boolean)).toHaveLength(7)
    })

    it('moves decisions with a merge and erases them with the person', async () => {
      const collector = collectorFor(store, { mergeUserIds: true })
      await collector.collect([{ raw: { type: 'identify', messageId: 'm1', userId: 'u1', traits: { email: 'ann@example.com' }, timestamp: '2026-01-01T00:00:00Z' }, path: 'b[0]' }], 'web')
      await collector.collect([{ raw: { type: 'identify', messageId: 'm2', anonymousId: 'a1', timestamp: '2026-01-01T00:00:00Z' }, path: 'b[0]' }], 'web')
      const [ann, anon] = [await store.profiles.idOfIdentifier('userId:u1'), await store.profiles.idOfIdentifier('anonymousId:a1')]
      await store.write((tx) => tx.insertDecisions([decision('d-anon', anon, '2026-01-01T01:00:00.000Z'), decision('d-ann', ann, '2026-01-01T02:00:00.000Z')]))
      await store.write((tx) => tx.insertOutcomes([{ decisionId: 'd-anon', offerId: 'o1', outcome: 'reject', at: '2026-01-01T01:01:00.000Z', value: null, source: 'api:test' }]))
      await collector.collect([{ raw: { type: 'identify', messageId: 'm3', userId: 'u1', anonymousId: 'a1', timestamp: '2026-01-01T03:00:00Z' }, path: 'b[0]' }], 'web')
      const merged = (await store.profiles.idOfIdentifier('userId:u1'))!
      expect((await store.decisions.decisionsOf(merged, { limit: 10 })).map((d) => d.id).sort()).toEqual(['d-ann', 'd-anon'])
      await store.write((tx) => tx.eraseProfile(merged, []))
      const dump = await store.dumpTables()
      expect(dump.decisions).toBe('[]')
      expect(dump.decision_outcomes).toBe('[]')
    })
  })
}

/** Two server nodes on one PostgreSQL: their reservations queue on the row lock, so the cap holds across both. */
export function multiNodeCapContract(): void {
  it('holds a campaign cap and a campaign budget across two nodes reserving at once', async () => {
    const schema = `t_nodes_${Date.now().toString(36)}`
    const a = await freshStore('postgres', schema)
    const b = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 4 })
    try {
      const reserve = (s: Store) => s.write((tx) => tx.reserveCampaign('c1', '2026-01-01', { total: 25, perDay: 30 }))
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => reserve(i % 2 === 0 ? a : b)))
      expect(results.filter(Boolean)).toHaveLength(25)
      expect((await b.decisions.campaignUsage('2026-01-01')).get('c1')).toEqual({ total: 25, today: 25, spent: 0 })
      const spend = (s: Store) => s.write((tx) => tx.reserveCampaign('c2', '2026-01-01', { budget: 100 }, 7.5))
      const spent = await Promise.all(Array.from({ length: 30 }, (_, i) => spend(i % 2 === 0 ? a : b)))
      expect(spent.filter(Boolean)).toHaveLength(13)
      expect((await a.decisions.campaignUsage('2026-01-01')).get('c2')?.spent).toBe(97.5)
    } finally {
      await b.close()
      await a.close()
    }
  })
}
