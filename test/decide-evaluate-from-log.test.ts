import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { randomSource } from '../src/decide/learning/random.js'
import { evaluateFromLog } from '../src/decide/offpolicy/from-log.js'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
let now = new Date('2026-06-10T10:00:00Z')
beforeEach(async () => {
  now = new Date('2026-06-10T10:00:00Z')
  t = await testApp({ now: () => now })
})
afterEach(async () => {
  await t.close()
})

// Two offers the engine is unsure about (Thompson sampling on their priors): the valuable one is taken rarely.
const CATALOG = {
  campaigns: [
    { id: 'gold', name: 'Gold', status: 'active', channels: ['call_center'], offers: [{ id: 'gold-1', name: 'Gold', value: 100, prior: { alpha: 1, beta: 9 } }] },
    { id: 'care', name: 'Care', status: 'active', channels: ['call_center'], offers: [{ id: 'care-1', name: 'Care', value: 60, prior: { alpha: 1, beta: 9 } }] },
  ],
}
const TRUE_RATE: Record<string, number> = { 'gold-1': 0.05, 'care-1': 0.4 }
const consent = { personalization: { call_center: { state: 'opt_in', evidence: { type: 'call' } } }, marketing: { call_center: { state: 'opt_in', evidence: { type: 'call' } } } }

describe("off-policy evaluation on salestwin's own decision log", () => {
  it("estimates a challenger's value from the logged decisions, within its interval of the truth", async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/v1/catalog', headers: { ...t.as.marketer, 'content-type': 'application/json' }, payload: JSON.stringify(CATALOG) })
    expect(put.statusCode).toBe(200)
    const users = Array.from({ length: 400 }, (_, i) => `u${i}`)
    await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: users.map((u) => ({ type: 'identify', userId: u, messageId: `id-${u}`, timestamp: '2026-06-01T09:00:00Z', context: { consent } })) }) })
    const responses = randomSource(5)
    const shown = new Map<string, number>()
    for (const u of users) {
      const d = await t.decide.decide({ identifierKey: `userId:${u}`, channel: 'call_center' })
      const offer = d.offers[0]!.offer
      shown.set(offer, (shown.get(offer) ?? 0) + 1)
      if (responses.next() < TRUE_RATE[offer]!) await t.decide.recordOutcome({ decisionId: d.decisionId, offerId: offer, outcome: 'accept', source: 'test' })
    }
    // Both offers were tried (the log explores), and the silent showings close as 0 a week later.
    expect(Math.min(...shown.values())).toBeGreaterThan(40)
    now = new Date('2026-06-18T10:00:00Z')
    await t.decide.fold()
    const since = '2026-06-01T00:00:00.000Z'
    // Static priority always shows gold (value 100): its true rate is 5 %.
    const gold = await evaluateFromLog(t.store, t.decide.catalog, { policy: 'static', since, bootstrap: 300 })
    expect(gold.rounds).toBe(400)
    expect(gold.challenger.snipw.low).toBeLessThan(0.05)
    expect(gold.challenger.snipw.high).toBeGreaterThan(0.05)
    expect(gold.challenger.snipw.value).toBeLessThan(0.15)
    await expect(evaluateFromLog(t.store, t.decide.catalog, { policy: 'oracle', since })).rejects.toThrow('--policy must be one of greedy, prior, static, got "oracle"')
  })
})
