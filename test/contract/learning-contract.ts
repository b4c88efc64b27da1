import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CONSENT_PURPOSES } from '../../src/core/consent.js'
import { compileCatalog } from '../../src/decide/catalog.js'
import { LearningLoop } from '../../src/decide/learning/loop.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { DecisionRow, Store } from '../../src/store/store.js'
import { freshStore, POSTGRES_URL, type StoreKind } from '../helpers/stores.js'

const DAY = 86_400_000
const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const iso = (ms: number) => new Date(ms).toISOString()
const catalog = compileCatalog(
  { campaigns: [{ id: 'c1', name: 'C1', status: 'active', channels: ['web'], responseWindowDays: 7, offers: [{ id: 'o1', name: 'O1', value: 10 }, { id: 'o2', name: 'O2', value: 10 }] }], learning: { minOutcomes: 1000 } },
  { version: 1, purposes: CONSENT_PURPOSES },
)
const policy = (features: string[]) => ({ modelVersion: 0, features, slots: 1, manyPerCampaign: false, contenders: [] })
const decision = (id: string, at: number, offer = 'o1', extra: Partial<DecisionRow> = {}): DecisionRow => ({
  id,
  profileId: 'p1',
  at: iso(at),
  channel: 'web',
  placement: 'web',
  catalogVersion: 1,
  continues: null,
  offers: [{ campaign: 'c1', offer }],
  explanation: {},
  learning: policy(['bias', 'channel=web']),
  ...extra,
})
const rate = (loop: LearningLoop, offer = 'o1') => loop.beliefs(['bias', 'channel=web'])(catalog.offers.get(offer)!).mean

/** The learning loop's part of the store, and the loop over it, on each adapter. */
export function learningContract(kind: StoreKind): void {
  let store: Store
  beforeEach(async () => {
    store = await freshStore(kind)
  })
  afterEach(async () => {
    await store.close()
  })

  describe('learning', () => {
    it('keeps one example per showing, and reads the unfolded ones with what their decision recorded', async () => {
      await store.write((tx) => tx.insertDecisions([decision('d1', T0), decision('d2', T0 + 1000, 'o2', { learning: null }), decision('d3', T0 + 2000, 'o1', { continues: 'd1' })]))
      const example = { decisionId: 'd1', offerId: 'o1', label: 1 as const, at: iso(T0 + 60_000) }
      expect(await store.write((tx) => tx.insertExamples([example, { ...example, label: 0 }, { decisionId: 'gone', offerId: 'o1', label: 0, at: iso(T0 + 70_000) }]))).toBe(2)
      const unfolded = await store.write((tx) => tx.unfoldedExamples(10))
      expect(unfolded.map((u) => [u.decisionId, u.label, u.learning === null ? null : JSON.parse(u.learning).features])).toEqual([
        ['d1', 1, ['bias', 'channel=web']],
        ['gone', 0, null],
      ])
      await store.write((tx) => tx.markFolded([{ decisionId: 'd1', offerId: 'o1' }]))
      expect((await store.write((tx) => tx.unfoldedExamples(10))).map((u) => u.decisionId)).toEqual(['gone'])
      // Only the policy's own decisions that recorded their policy are showings (not continuations, not older decisions).
      await store.write((tx) => tx.insertOutcomes([{ decisionId: 'd1', offerId: 'o1', outcome: 'not_delivered', at: iso(T0), value: null, source: 'test' }]))
      expect(await store.write((tx) => tx.showingsBetween(iso(T0 - 1), iso(T0 + 10_000)))).toEqual([{ id: 'd1', at: iso(T0), offers: JSON.stringify([{ campaign: 'c1', offer: 'o1' }]), notDelivered: ['o1'] }])
    })

    it('stores the learned state under a lock and reads it back', async () => {
      expect(await store.decisions.learnerVersion()).toBe(0)
      const meta = await store.write((tx) => tx.lockLearner(iso(T0)))
      expect(meta).toEqual({ key: 'meta', version: 0, data: '{}' })
      await store.write((tx) => tx.putLearnerRows([{ key: 'meta', version: 3, data: '{"vocabulary":[]}' }, { key: 'offer:o1', version: 3, data: '{}' }], iso(T0)))
      expect(await store.decisions.learnerVersion()).toBe(3)
      expect((await store.decisions.learnerRows()).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'meta', version: 3, data: '{"vocabulary":[]}' },
        { key: 'offer:o1', version: 3, data: '{}' },
      ])
    })

    it('folds responses at once and silence when the response window closes, skips what was erased, and survives a restart', async () => {
      await store.write((tx) => tx.insertDecisions([decision('d1', T0), decision('d2', T0 + 1000), decision('d3', T0 + 2000, 'o2'), decision('d4', T0 + 3000)]))
      await store.write((tx) =>
        tx.insertExamples([
          { decisionId: 'd1', offerId: 'o1', label: 1, at: iso(T0 + DAY) },
          { decisionId: 'erased', offerId: 'o1', label: 1, at: iso(T0 + DAY) },
        ]),
      )
      await store.write((tx) => tx.insertOutcomes([{ decisionId: 'd4', offerId: 'o1', outcome: 'not_delivered', at: iso(T0 + 3000), value: null, source: 'outbound' }]))
      const loop = await new LearningLoop(store, { minOutcomes: 1000, priorVariance: 1 }).load()
      expect(await loop.fold(catalog, new Date(T0 + 2 * DAY))).toEqual({ folded: 1, skipped: 1, expired: 0, version: 1 })
      expect(rate(loop)).toBeCloseTo(2 / 21, 10)
      // A week later d2 and d3 are ignored (0); d1 had its answer; d4 never reached the customer.
      expect(await loop.fold(catalog, new Date(T0 + 8 * DAY))).toEqual({ folded: 2, skipped: 0, expired: 2, version: 2 })
      expect(rate(loop)).toBeCloseTo(2 / 22, 10)
      expect(rate(loop, 'o2')).toBeCloseTo(1 / 21, 10)
      expect(await loop.fold(catalog, new Date(T0 + 9 * DAY))).toEqual({ folded: 0, skipped: 0, expired: 0, version: 2 })
      const restarted = await new LearningLoop(store, { minOutcomes: 1000, priorVariance: 1 }).load()
      expect([restarted.version, rate(restarted), rate(restarted, 'o2')]).toEqual([2, rate(loop), rate(loop, 'o2')])
    })

    it('keeps a degenerate model’s reset in the stored state, so every node reports it', async () => {
      const nan = Buffer.from(new Float64Array([Number.NaN, 0]).buffer).toString('base64')
      const ones = Buffer.from(new Float64Array([4, 4]).buffer).toString('base64')
      await store.write((tx) => tx.lockLearner(iso(T0)))
      await store.write((tx) =>
        tx.putLearnerRows([{ key: 'meta', version: 1, data: JSON.stringify({ vocabulary: ['bias', 'channel=web'] }) }, { key: 'offer:o1', version: 1, data: JSON.stringify({ n: 60, positives: 3, priorMean: -2.9, m: nan, q: ones }) }], iso(T0)),
      )
      await store.write((tx) => tx.insertDecisions([decision('d1', T0)]))
      await store.write((tx) => tx.insertExamples([{ decisionId: 'd1', offerId: 'o1', label: 1, at: iso(T0 + 1000) }]))
      const loop = await new LearningLoop(store, { minOutcomes: 50, priorVariance: 0.25 }).load()
      await loop.fold(catalog, new Date(T0 + DAY))
      const reset = { offerId: 'o1', at: iso(T0 + DAY), reason: 'posterior not finite; reset to its prior' }
      expect(loop.alerts).toEqual([reset])
      expect((await new LearningLoop(store, { minOutcomes: 50, priorVariance: 0.25 }).load()).alerts).toEqual([reset])
    })
  })
}

/** Two nodes on one PostgreSQL: each example folded once, and each node decides with the other's fold after it refreshes. */
export function multiNodeLearningContract(): void {
  it('folds every example exactly once when two nodes fold at once, and each picks up the other', async () => {
    const schema = `t_learn_${Date.now().toString(36)}`
    const a = await freshStore('postgres', schema)
    const b = await openPostgresStore(POSTGRES_URL, { schema, poolSize: 4 })
    try {
      const N = 400
      await a.write((tx) => tx.insertDecisions(Array.from({ length: N }, (_, i) => decision(`d${i}`, T0 + i))))
      await a.write((tx) => tx.insertExamples(Array.from({ length: N }, (_, i) => ({ decisionId: `d${i}`, offerId: 'o1', label: i % 4 === 0 ? 1 : 0, at: iso(T0 + DAY + i) }))))
      const [la, lb] = await Promise.all([new LearningLoop(a, { minOutcomes: 1000, priorVariance: 1 }).load(), new LearningLoop(b, { minOutcomes: 1000, priorVariance: 1 }).load()])
      const now = new Date(T0 + 2 * DAY)
      const reports = await Promise.all([la.fold(catalog, now), lb.fold(catalog, now), la.fold(catalog, now)])
      expect(reports[0]).toBe(reports[2]) // one fold at a time per node
      expect(reports[0]!.folded + reports[1]!.folded).toBe(N)
      await Promise.all([la.refresh(), lb.refresh()])
      expect(la.version).toBe(lb.version)
      expect(rate(la)).toBe(rate(lb))
      expect(rate(la)).toBeCloseTo((1 + N / 4) / (20 + N), 10)
    } finally {
      await b.close()
      await a.close()
    }
  })
}
