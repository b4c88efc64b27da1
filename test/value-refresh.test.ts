import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadDemo } from '../src/demo/load-demo.js'
import { buildApp } from '../src/server/app.js'
import { refreshValues } from '../src/value/refresh-values.js'
import { scoreCustomers } from '../src/value/score-customers.js'
import { ConsentService } from '../src/consent/consent-service.js'
import { DecideService } from '../src/decide/decide-service.js'
import { createApiKey } from '../src/server/access/keys.js'
import { allRows, collectorFor, freshStore, TEST_POLICY } from './helpers/stores.js'

describe('customer value from the store', () => {
  it('fits on the demo orders, scores every buyer and shows it in the profile API', async () => {
    const store = await freshStore('sqlite')
    try {
      const collector = collectorFor(store)
      await loadDemo(collector, { customers: 600, seed: 11 })
      const summary = await refreshValues(store, { discountRate: 0.1, horizonDays: 365, asOf: new Date('2026-11-01T00:00:00Z') })
      expect(summary.currency).toBe('EUR')
      expect(summary.customers).toBeGreaterThan(300)
      expect(summary.bgnbd.params.r).toBeGreaterThan(0)
      expect(summary.gammaGamma).not.toBeNull()

      const consent = new ConsentService(store, TEST_POLICY)
      const app = await buildApp({ store, collector, consent, decide: await new DecideService(store, consent, TEST_POLICY).load(), defaultCountry: 'DE', logLevel: 'silent' })
      const headers = { authorization: `Bearer ${(await createApiKey(store, { role: 'admin', name: 'test' })).secret}` }
      const buyer = (await allRows(store.journeys.orderPages()))[0]!.profileId
      const res = await app.inject({ method: 'GET', url: `/v1/profiles/${buyer}`, headers })
      const value = res.json().computed.value
      expect(value).toMatchObject({ currency: 'EUR', horizonDays: 365, discountRate: 0.1, model: 'bgnbd+gammagamma' })
      expect(value.probabilityAlive).toBeGreaterThanOrEqual(0)
      expect(value.probabilityAlive).toBeLessThanOrEqual(1)
      expect(value.expectedPurchases365d).toBeGreaterThanOrEqual(value.expectedPurchases90d)
      expect(value.clv).toBeGreaterThanOrEqual(0)
      expect(value.rfm.score).toMatch(/^[1-5]{3}$/)
      expect(typeof value.cluster).toBe('string')
      // Demo orders carry their cost: repeat buyers get a margin share between 35 % and 50 %.
      const repeatBuyer = (await allRows(store.journeys.orderPages())).find((o, i, all) => all.findIndex((p) => p.profileId === o.profileId) !== i)!.profileId
      const profitability = (await app.inject({ method: 'GET', url: `/v1/profiles/${repeatBuyer}`, headers })).json().computed.value.profitability
      expect(profitability.marginShare).toBeGreaterThan(0.35)
      expect(profitability.marginShare).toBeLessThan(0.5)
      expect(profitability.clvMargin).toBeGreaterThanOrEqual(0)
      expect(value.potential).toBeGreaterThanOrEqual(0)

      // The run itself: fits, clusters with readable labels and potential, and the holdout check.
      const run = (await app.inject({ method: 'GET', url: '/v1/value', headers })).json()
      expect(run.bgnbd.params).toEqual(summary.bgnbd.params)
      expect(run.clustering.clusters.length).toBe(run.clustering.k)
      expect(run.clustering.clusters.reduce((n: number, c: { size: number }) => n + c.size, 0)).toBe(summary.customers)
      for (const c of run.clustering.clusters) expect(c.label).toMatch(/loyal|active|new|risk|lapsed/)
      expect(run.holdoutCheck.rows[0]).toMatchObject({ frequency: '0', customers: expect.any(Number), actualMean: expect.any(Number), expectedMean: expect.any(Number) })
      // The CLV distribution over every scored customer, for the dashboard's chart.
      const clvs = (await store.values.ofKind('value')).map((v) => (v.data as { clv: number }).clv).sort((a, b) => a - b)
      expect(run.clvDistribution.customers).toBe(summary.customers)
      expect(run.clvDistribution.histogram.reduce((n: number, b: { customers: number }) => n + b.customers, 0)).toBe(summary.customers)
      expect(run.clvDistribution.quantiles.p50).toBeCloseTo(clvs[Math.floor(clvs.length / 2)]!, 1)
      expect(run.probabilityAliveDistribution.quantiles.p99).toBeLessThanOrEqual(1)
      await app.close()
    } finally {
      await store.close()
    }
  })

  it('refuses orders in several currencies unless one is chosen', async () => {
    const store = await freshStore('sqlite')
    try {
      await collectorFor(store).collect(
        [
          { raw: { type: 'track', userId: 'p1', event: 'Order Completed', messageId: 'c1', properties: { revenue: 5, currency: 'EUR' } }, path: 'batch[0]' },
          { raw: { type: 'track', userId: 'p2', event: 'Order Completed', messageId: 'c2', properties: { revenue: 5, currency: 'USD' } }, path: 'batch[1]' },
        ],
        'shop',
      )
      await expect(refreshValues(store, { discountRate: 0.1, horizonDays: 365 })).rejects.toThrow('orders are in several currencies (EUR, USD); choose one with --currency')
    } finally {
      await store.close()
    }
  })

  it('never gives a negative CLV or a probability outside [0, 1]', () => {
    const summary = fc.record({
      frequency: fc.integer({ min: 0, max: 30 }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      T: fc.double({ min: 1, max: 700, noNaN: true }),
      monetaryValue: fc.double({ min: 0.01, max: 5000, noNaN: true }),
    })
    fc.assert(
      fc.property(fc.array(summary, { minLength: 1, maxLength: 20 }), (rows) => {
        const summaries = rows.map((r, i) => ({
          customerId: `c${i}`,
          frequency: r.frequency,
          recency: r.frequency === 0 ? 0 : r.share * r.T,
          T: r.T,
          monetaryValue: r.frequency === 0 ? 0 : r.monetaryValue,
          monetaryMargin: null,
        }))
        for (const s of scoreCustomers(summaries, { r: 0.4, alpha: 27, a: 2.7, b: 13 }, { p: 1.3, q: 3.6, v: 576 }, { discountRate: 0.1, horizonDays: 365 })) {
          expect(s.clv).toBeGreaterThanOrEqual(0)
          expect(s.probabilityAlive).toBeGreaterThanOrEqual(0)
          expect(s.probabilityAlive).toBeLessThanOrEqual(1)
        }
      }),
    )
  })
})
