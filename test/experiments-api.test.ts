import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { armOf, inHoldout } from '../src/decide/learning/experiments.js'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
const now = new Date('2026-06-10T10:00:00Z')
beforeEach(async () => {
  t = await testApp({ now: () => now })
})
afterEach(async () => {
  await t.close()
})

const CATALOG = {
  experiment: { arms: [{ id: 'champion', share: 0.5 }, { id: 'static', share: 0.5, strategy: { propensity: 'none' } }] },
  campaigns: [
    { id: 'bikes', name: 'Bikes', status: 'active', channels: ['call_center'], holdout: 0.3, goal: { event: 'Order Completed' }, offers: [{ id: 'bike-10', name: '10 % off', value: 30 }] },
  ],
}
const json = (method: 'POST' | 'PUT', url: string, body: unknown, role: keyof TestApp['as']) =>
  t.app.inject({ method, url, headers: { ...t.as[role], 'content-type': 'application/json' }, payload: JSON.stringify(body) })
const batch = (events: Record<string, unknown>[]) => t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: events }) })
const consent = { personalization: { call_center: { state: 'opt_in', evidence: { type: 'call' } } }, marketing: { call_center: { state: 'opt_in', evidence: { type: 'call' } } } }

describe('experiments: champion/challenger arms and holdout groups', () => {
  it('keeps a stable share of each campaign’s customers out, tags every decision with its arm, and reports the uplift', async () => {
    expect((await json('PUT', '/v1/catalog', CATALOG, 'marketer')).statusCode).toBe(200)
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`)
    await batch(users.map((u) => ({ type: 'identify', userId: u, messageId: `id-${u}`, timestamp: '2026-06-01T09:00:00Z', traits: { name: u }, context: { consent } })))
    const ids = new Map<string, string>()
    for (const u of users) ids.set(u, (await t.store.profiles.idOfIdentifier(`userId:${u}`))!)
    const decisions = []
    for (const u of users) decisions.push((await json('POST', '/v1/decide', { profileId: ids.get(u), channel: 'call_center' }, 'agent')).json())
    // The holdout is the hash's: the same customers on every node, about 30 % of them.
    const held = users.filter((u) => inHoldout('bikes', ids.get(u)!, 0.3))
    expect(held.length).toBeGreaterThan(4)
    expect(held.length).toBeLessThan(22)
    decisions.forEach((d, i) => {
      const heldOut = held.includes(users[i]!)
      expect(d.offers.map((o: { offer: string }) => o.offer)).toEqual(heldOut ? [] : ['bike-10'])
      if (heldOut) expect(d.explanation.excluded).toContainEqual({ campaign: 'bikes', reason: 'holdout', detail: "in the campaign's holdout group (30 % of customers get none of its offers)" })
      expect(d.explanation.policy.arm).toBe(armOf(CATALOG.experiment.arms, ids.get(users[i]!)!))
    })
    // Deciding again changes no one's group.
    const again = (await json('POST', '/v1/decide', { profileId: ids.get(held[0]!), channel: 'call_center' }, 'agent')).json()
    expect(again.offers).toEqual([])
    // Every treated customer orders for 100, one in two held-out customers for 50.
    const orders = users.filter((u) => !held.includes(u) || held.indexOf(u) % 2 === 0)
    await batch(orders.map((u) => ({ type: 'track', userId: u, messageId: `o-${u}`, event: 'Order Completed', timestamp: '2026-06-11T10:00:00Z', properties: { order_id: `A-${u}`, revenue: held.includes(u) ? 50 : 100, currency: 'EUR' } })))
    const report = (await t.app.inject({ method: 'GET', url: '/v1/experiments?from=2026-06-10&to=2026-06-10', headers: t.as.analyst })).json()
    expect(report.arms.map((a: { arm: string }) => a.arm)).toEqual(['champion', 'static'])
    const [bikes] = report.holdouts
    const heldConverted = held.filter((_, k) => k % 2 === 0).length
    expect(bikes).toMatchObject({
      campaign: 'bikes',
      holdout: 0.3,
      treated: { customers: users.length - held.length, converted: users.length - held.length, conversionRate: 1, revenuePerCustomer: 100 },
      held: { customers: held.length, converted: heldConverted },
    })
    const uplift = bikes.uplift.conversionRate
    expect(uplift.difference).toBeCloseTo(1 - heldConverted / held.length, 6)
    expect(uplift.low).toBeLessThan(uplift.difference)
    expect(uplift.high).toBeGreaterThan(uplift.difference)
    expect(bikes.uplift.revenuePerCustomer.difference).toBeCloseTo(100 - (50 * heldConverted) / held.length, 6)
    // Erasing a person takes their group, their reach and their showings' examples with them.
    const goneUser = users.find((u) => !held.includes(u))!
    const gone = ids.get(goneUser)!
    const goneDecision = decisions[users.indexOf(goneUser)].decisionId as string
    await t.decide.recordOutcome({ decisionId: goneDecision, offerId: 'bike-10', outcome: 'accept', source: 'test' })
    expect((await t.store.dumpTables()).learning_examples).toContain(goneDecision)
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${gone}`, headers: t.as.admin })).statusCode).toBe(200)
    const dump = await t.store.dumpTables()
    for (const table of ['experiment_members', 'campaign_reach', 'decisions']) expect(dump[table]).not.toContain(gone)
    expect(dump.learning_examples).not.toContain(goneDecision)
    expect((await t.app.inject({ method: 'GET', url: '/v1/experiments', headers: t.as.analyst })).json().holdouts[0].treated.customers).toBe(users.length - held.length - 1)
  })

  it('refuses arms whose shares do not add up, and a holdout outside 0–1', async () => {
    const bad = await json('PUT', '/v1/catalog', { ...CATALOG, experiment: { arms: [{ id: 'a', share: 0.5 }, { id: 'b', share: 0.6 }] } }, 'marketer')
    expect(bad.json()).toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringContaining("experiment: the arms' shares must add up to 1") })
    const holdout = await json('PUT', '/v1/catalog', { campaigns: [{ ...CATALOG.campaigns[0], holdout: 1.5 }] }, 'marketer')
    expect(holdout.json().message).toContain('campaign "bikes".holdout: must be a share from 0 to 1, got 1.5')
  })
})
