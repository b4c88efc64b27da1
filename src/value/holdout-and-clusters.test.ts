import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Random } from '../core/random.js'
import { fitBgNbd } from './bgnbd.js'
import { clusterCustomers, placeOf, type ValueFeatures } from './cluster-customers.js'
import { holdoutCheck, holdoutData } from './holdout-check.js'
import { buildSummaries } from './summary.js'

describe('calibration/holdout check on CDNOW (39 + 39 weeks)', () => {
  const transactions = readFileSync('data/cdnow/CDNOW_sample.txt', 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((l) => {
      const [, id, d, , v] = l.trim().split(/\s+/)
      return { customerId: String(Number(id)), at: Date.UTC(Number(d!.slice(0, 4)), Number(d!.slice(4, 6)) - 1, Number(d!.slice(6, 8))), value: Number(v) }
    })
  const summaries = buildSummaries(transactions, { calibrationEnd: Date.UTC(1997, 8, 30), observationEnd: Date.UTC(1998, 5, 30), unit: 'weeks' })
  const fit = fitBgNbd({ x: Float64Array.from(summaries, (s) => s.frequency), tx: Float64Array.from(summaries, (s) => s.recency), T: Float64Array.from(summaries, (s) => s.T) })
  const rows = holdoutCheck(holdoutData(summaries), fit.params, 39)

  it('counts the 1,882 holdout repeat purchases of the 2,357 customers (Fader, Hardie & Lee 2005)', () => {
    expect(rows.reduce((n, r) => n + r.customers, 0)).toBe(2357)
    expect(Math.round(rows.reduce((n, r) => n + r.actualMean * r.customers, 0))).toBe(1882)
    expect(rows.map((r) => r.frequency)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+'])
    expect(rows[0]).toMatchObject({ customers: 1411, actualMean: 0.2367 })
  })

  it('expects more holdout purchases from customers who bought more in calibration, close to what they did', () => {
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.expectedMean).toBeGreaterThan(rows[i - 1]!.expectedMean)
    expect(Math.abs(rows[0]!.expectedMean - rows[0]!.actualMean)).toBeLessThan(0.02)
    expect(Math.abs(rows.at(-1)!.expectedMean / rows.at(-1)!.actualMean - 1)).toBeLessThan(0.05)
  })
})

describe('clusterCustomers', () => {
  // Three kinds of customers, clearly apart: loyal big spenders, active small buyers, lapsed one-timers.
  const r = new Random(5)
  const make = (n: number, f: () => ValueFeatures) => Array.from({ length: n }, f)
  const features = [
    ...make(60, () => ({ clv: 900 + r.next() * 200, probabilityAlive: 0.9 + r.next() * 0.05, expectedPurchases365d: 6 + r.next(), frequency: 12 + r.int(0, 4), monetaryValue: 150 + r.next() * 20, daysSinceLastPurchase: 10 + r.next() * 10 })),
    ...make(120, () => ({ clv: 120 + r.next() * 40, probabilityAlive: 0.75 + r.next() * 0.1, expectedPurchases365d: 2 + r.next(), frequency: 3 + r.int(0, 2), monetaryValue: 40 + r.next() * 10, daysSinceLastPurchase: 40 + r.next() * 20 })),
    ...make(200, () => ({ clv: r.next() * 5, probabilityAlive: 0.05 + r.next() * 0.1, expectedPurchases365d: 0.05 * r.next(), frequency: r.int(0, 1), monetaryValue: 30 + r.next() * 10, daysSinceLastPurchase: 300 + r.next() * 100 })),
  ]

  it('finds the three groups by silhouette and names them', () => {
    const result = clusterCustomers(features, { kRange: [2, 6], seed: 1 })
    expect(result.k).toBe(3)
    expect(result.silhouette).toBeGreaterThan(0.6)
    expect(result.clusters.map((c) => [c.label, c.size])).toEqual([
      ['loyal high value', 60],
      // Above the base's median CLV (most of the base has lapsed) and worth several typical orders.
      ['active regulars', 120],
      ['lapsed', 200],
    ])
  })

  it('never calls a near-zero cluster high value: a base scored long after its last orders (regression, issue 10.10)', () => {
    // CDNOW scored against today: every CLV is cents while a typical order is worth $30-40.
    const stale = [
      ...make(60, () => ({ clv: 0.4 + r.next() * 0.2, probabilityAlive: 0.9 + r.next() * 0.05, expectedPurchases365d: 0.01, frequency: 12 + r.int(0, 4), monetaryValue: 35 + r.next() * 10, daysSinceLastPurchase: 10_000 })),
      ...make(120, () => ({ clv: 0.1 + r.next() * 0.05, probabilityAlive: 0.75 + r.next() * 0.1, expectedPurchases365d: 0.001, frequency: 3 + r.int(0, 2), monetaryValue: 30 + r.next() * 10, daysSinceLastPurchase: 10_000 })),
      ...make(200, () => ({ clv: r.next() * 0.01, probabilityAlive: 0.05 + r.next() * 0.1, expectedPurchases365d: 0, frequency: r.int(0, 1), monetaryValue: 30 + r.next() * 10, daysSinceLastPurchase: 10_000 })),
    ]
    const labels = clusterCustomers(stale, { k: 3, seed: 1 }).clusters.map((c) => c.label)
    expect(labels).not.toContain('loyal high value')
    expect(labels).not.toContain('active regulars')
  })

  it('scores potential as the gap to the best 10 % of the same cluster, never negative', () => {
    const result = clusterCustomers(features, { k: 3, seed: 1 })
    const places = features.map((f, i) => placeOf(result, i, f.clv))
    for (const [i, a] of places.entries()) {
      const cluster = result.clusters.find((c) => c.cluster === a.cluster)!
      expect(a.potential).toBeCloseTo(Math.max(0, cluster.benchmarkClv - features[i]!.clv), 1)
      expect(a.potential).toBeGreaterThanOrEqual(0)
    }
    // Per-customer potentials are rounded to cents, so their sum may differ from the cluster totals by a few cents.
    const total = result.clusters.reduce((s, c) => s + c.potential, 0)
    expect(Math.abs(total - places.reduce((s, a) => s + a.potential, 0))).toBeLessThan(0.01 * places.length)
  })

  it('is deterministic for a seed', () => {
    expect(clusterCustomers(features, { kRange: [2, 5], seed: 9 })).toEqual(clusterCustomers(features, { kRange: [2, 5], seed: 9 }))
  })
})
