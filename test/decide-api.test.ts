import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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

const offer = (id: string, value: number, content: Record<string, unknown> = {}) => ({ id, name: id, value, content })
const CATALOG = {
  placements: [{ id: 'agent_desk', channel: 'call_center', maxOffers: 2 }],
  campaigns: [
    {
      id: 'gold',
      name: 'Gold customers',
      status: 'active',
      weight: 100,
      audience: 'traitOr(traits, "plan", "") == "gold"',
      channels: ['web', 'call_center'],
      responseWindowDays: 7,
      // Ranked by the expected rates here (no Thompson sampling): these tests are about the decision's path, the learning test below about exploration.
      exploration: { temperature: 0 },
      offers: [offer('gold-upgrade', 40, { web: { title: 'Upgrade to Summit' }, call_center: { script: 'Offer the Summit upgrade' } })],
    },
    { id: 'care', name: 'Care', status: 'active', channels: ['web', 'call_center'], exploration: { temperature: 0 }, offers: [offer('care-check', 10, { call_center: { script: 'Offer a free check' } })] },
  ],
}
const json = (method: 'POST' | 'PUT', url: string, body: unknown, role: keyof TestApp['as'] = 'agent') =>
  t.app.inject({ method, url, headers: { ...t.as[role], 'content-type': 'application/json' }, payload: JSON.stringify(body) })
const decide = (body: Record<string, unknown>, role: keyof TestApp['as'] = 'agent') => json('POST', '/v1/decide', body, role)
const outcome = (body: Record<string, unknown>) => json('POST', '/v1/outcomes', body)

async function goldCustomer(userId = 'ann'): Promise<string> {
  const consent = { personalization: { web: { state: 'opt_in', evidence: { type: 'banner' } } } }
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.basic, 'content-type': 'application/json' },
    payload: JSON.stringify({ batch: [{ type: 'identify', userId, messageId: `m-${userId}`, timestamp: '2026-06-01T09:00:00Z', traits: { plan: 'gold' }, context: { consent } }] }),
  })
  expect(res.json().stored).toBe(1)
  return (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
}

describe('decisions over the API', () => {
  beforeEach(async () => {
    expect((await json('PUT', '/v1/catalog', CATALOG, 'marketer')).json()).toEqual({ version: 1, campaigns: 2, offers: 2, dryRun: false })
  })

  it('decides for a customer with the explanation, and the agent gets the same offer with its script', async () => {
    const id = await goldCustomer()
    const web = (await decide({ userId: 'ann', channel: 'web' })).json()
    expect(web).toMatchObject({ profileId: id, channel: 'web', placement: 'web', catalogVersion: 1, continues: null })
    expect(web.offers.map((o: { offer: string; content: unknown }) => [o.offer, o.content])).toEqual([['gold-upgrade', { title: 'Upgrade to Summit' }]])
    expect(web.explanation.ranked.map((r: { offer: string }) => r.offer)).toEqual(['gold-upgrade', 'care-check'])

    now = new Date('2026-06-10T15:00:00Z')
    const call = (await decide({ profileId: id, channel: 'call_center', placement: 'agent_desk', n: 2 })).json()
    expect(call.offers.map((o: { offer: string; content: { script: string } }) => [o.offer, o.content.script])).toEqual([['gold-upgrade', 'Offer the Summit upgrade']])
    expect(call.continues).toBe(web.decisionId)

    const stored = (await t.app.inject({ method: 'GET', url: `/v1/decisions/${web.decisionId}`, headers: t.as.agent })).json()
    expect(stored.explanation.ranked[0]).toMatchObject({ offer: 'gold-upgrade', propensity: 0.05, expected: 0.05, model: 'beta', value: 40, score: 4 })
    // What the policy saw, and that its choice was deterministic here (no contenders to draw from).
    expect(stored.explanation.policy).toMatchObject({ modelVersion: 0, slots: 1, manyPerCampaign: false, contenders: [] })
    expect(stored.explanation.policy.features).toEqual(expect.arrayContaining(['bias', 'channel=web', 'placement=web', 'device=none']))
    const listed = (await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}/decisions`, headers: t.as.agent })).json()
    expect(listed.items.map((d: { id: string }) => d.id)).toEqual([call.decisionId, web.decisionId])
  })

  it('moves the customer to the next campaign when the response window passes without an answer', async () => {
    const id = await goldCustomer()
    const first = (await decide({ profileId: id, channel: 'call_center' })).json()
    expect(first.offers[0].offer).toBe('gold-upgrade')
    now = new Date('2026-06-18T10:00:00Z') // 8 days later: the 7-day window has passed
    const next = (await decide({ profileId: id, channel: 'call_center' })).json()
    expect(next.offers.map((o: { offer: string }) => o.offer)).toEqual(['care-check'])
    expect(next.explanation.excluded).toContainEqual({ campaign: 'gold', reason: 'cooldown', detail: 'after an ignored offer, until 2026-07-01T10:00:00.000Z' })
    const late = await outcome({ decisionId: first.decisionId, offerId: 'gold-upgrade', outcome: 'accept' })
    expect(late.statusCode).toBe(409)
    expect(late.json().message).toBe(`decision ${first.decisionId} expired 2026-06-17T10:00:00.000Z (response window 7 days); the offer counts as ignored`)
  })

  it('records outcomes once, learns from them, and names what is wrong', async () => {
    const id = await goldCustomer()
    const d = (await decide({ profileId: id, channel: 'call_center' })).json()
    const accept = { decisionId: d.decisionId, offerId: 'gold-upgrade', outcome: 'accept' }
    expect((await outcome(accept)).statusCode).toBe(201)
    const again = await outcome(accept)
    expect([again.statusCode, again.json()]).toEqual([200, { recorded: false, duplicate: true }])
    // Learned at the next fold (the server folds every learnSeconds): 1 success in 1 showing on the Beta(1, 19) prior, (1 + 1) / (1 + 19 + 1).
    const other = await goldCustomer('bob')
    expect((await decide({ profileId: other, channel: 'call_center' })).json().offers[0].propensity).toBe(0.05)
    expect(await t.decide.fold()).toMatchObject({ folded: 1, skipped: 0, expired: 0, version: 1 })
    const next = (await decide({ profileId: other, channel: 'call_center' })).json()
    expect(next.offers[0].propensity).toBe(Math.round((2 / 21) * 1e6) / 1e6)
    expect(next.explanation.policy.modelVersion).toBe(1)
    expect((await outcome({ decisionId: 'dec_nope', offerId: 'x', outcome: 'accept' })).json()).toMatchObject({ statusCode: 404, code: 'DECISION_NOT_FOUND', message: 'no decision has id "dec_nope"' })
    expect((await outcome({ ...accept, offerId: 'care-check' })).json().message).toBe(`decision ${d.decisionId} made no offer "care-check"; it made gold-upgrade`)
    expect((await outcome({ ...accept, outcome: 'love' })).json().message).toBe('outcome must be one of impression, click, accept, reject, converted, got "love"')
    expect((await outcome({ ...accept, profileId: other })).json()).toMatchObject({ statusCode: 409, code: 'OUTCOME_CONFLICT' })
  })

  it('reports what the offers did and how well the model predicted them, after the fold', async () => {
    const ann = await goldCustomer()
    const bob = await goldCustomer('bob')
    const first = (await decide({ profileId: ann, channel: 'call_center' })).json()
    await decide({ profileId: bob, channel: 'call_center' })
    expect((await outcome({ decisionId: first.decisionId, offerId: 'gold-upgrade', outcome: 'click' })).statusCode).toBe(201)
    expect((await outcome({ decisionId: first.decisionId, offerId: 'gold-upgrade', outcome: 'converted', value: 120 })).statusCode).toBe(201)
    now = new Date('2026-06-18T10:00:00Z') // bob's response window closed: his showing is a 0
    expect(await t.decide.fold()).toMatchObject({ folded: 2, expired: 1 })
    const get = (url: string, role: keyof TestApp['as'] = 'analyst') => t.app.inject({ method: 'GET', url, headers: t.as[role] })
    const perf = (await get('/v1/decide/performance?from=2026-06-10&to=2026-06-10')).json()
    expect(perf.offers).toEqual([{ offer: 'gold-upgrade', campaign: 'gold', showings: 2, impressions: 0, clicks: 1, accepts: 0, rejects: 0, conversions: 1, revenue: 120, cost: 0, profit: 120, observedRate: 0.5, predictedRate: 0.05 }])
    const cal = (await get('/v1/decide/calibration?from=2026-06-10&to=2026-06-10', 'marketer')).json()
    expect(cal.days).toEqual([{ day: '2026-06-10', showings: 2, brier: Math.round(((0.95 ** 2 + 0.05 ** 2) / 2) * 1e6) / 1e6, logLoss: expect.any(Number) }])
    expect(cal.bands).toEqual([{ from: 0.05, to: 0.075, showings: 2, predicted: 0.05, observed: 0.5 }])
    expect((await get('/v1/decide/alerts')).json()).toEqual({ alerts: [], resets: [] })
    // The value curve counts the reached customers; these were not scored by a value run at their reach.
    expect((await get('/v1/decide/value-curve?campaign=gold&days=30')).json()).toEqual({ campaign: 'gold', customers: 0, unscored: 2, days: [] })
    expect((await get('/v1/decide/value-curve?campaign=nope')).json().message).toBe('campaign must be one of the catalog\'s campaigns (gold, care), got "nope"')
    expect((await get('/v1/decide/performance?from=June')).json()).toMatchObject({ statusCode: 400, message: 'from must be a day, YYYY-MM-DD, got "June"' })
    expect((await get('/v1/decide/performance', 'agent')).statusCode).toBe(403)
  })

  it('reads outcomes and conversions off collected events, and warns about an outcome it cannot take', async () => {
    await goldCustomer()
    const first = (await decide({ userId: 'ann', channel: 'call_center' })).json()
    const batch = (events: Record<string, unknown>[]) =>
      t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: events }) })
    const track = (messageId: string, event: string, properties: Record<string, unknown>) => ({ type: 'track', userId: 'ann', messageId, event, timestamp: '2026-06-11T10:00:00Z', properties })
    await batch([
      track('o1', 'Offer Clicked', { decision_id: first.decisionId, offer_id: 'gold-upgrade' }),
      track('o2', 'Offer Accepted', { decision_id: 'dec_nope', offer_id: 'gold-upgrade' }),
      track('o3', 'Order Completed', { order_id: 'A-1', revenue: 80, currency: 'EUR' }),
    ])
    await t.collector.listenersIdle()
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/decisions/${first.decisionId}`, headers: t.as.agent })).json()
    expect(stored.outcomes.map((o: { outcome: string; value: number | null; source: string }) => [o.outcome, o.value, o.source])).toEqual([
      ['click', null, 'event:web'],
      ['converted', 80, 'event:web'],
    ])
    const warnings = (await t.app.inject({ method: 'GET', url: '/v1/quarantine?severity=warning', headers: t.as.admin })).json()
    expect(warnings.items.map((w: { messageId: string; reason: string }) => [w.messageId, w.reason])).toEqual([['o2', 'outcome not recorded: no decision has id "dec_nope"']])
    // Converted: the campaign cools down for Ann, the next decision comes from the next campaign.
    now = new Date('2026-06-12T10:00:00Z')
    expect((await decide({ userId: 'ann', channel: 'call_center' })).json().offers.map((o: { offer: string }) => o.offer)).toEqual(['care-check'])
  })

  it('decides on a changed profile at once: the commit forgets its kept features before its 2xx', async () => {
    const id = await goldCustomer()
    expect((await decide({ profileId: id, channel: 'web' })).json().offers[0].offer).toBe('gold-upgrade')
    expect(t.decide.view.has(id)).toBe(true)
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: t.basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ batch: [{ type: 'identify', userId: 'ann', messageId: 'm-ann-2', timestamp: '2026-06-02T09:00:00Z', traits: { plan: 'basic' } }] }),
    })
    expect(res.json().stored).toBe(1)
    // Same moment, no time to live passed: only the invalidation can tell the engine the plan changed.
    const after = (await decide({ profileId: id, channel: 'call_center' })).json()
    expect(after.explanation.excluded).toContainEqual({ campaign: 'gold', reason: 'not_in_audience', detail: 'audience traitOr(traits, "plan", "") == "gold" is false' })
    const erased = await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${id}`, headers: t.as.admin })
    expect(erased.statusCode).toBe(200)
    expect(t.decide.view.has(id)).toBe(false)
  })

  it('answers an unknown profile with an anonymous decision, and names the allowed channels and placements', async () => {
    const anonymous = await decide({ profileId: 'prof_unknown', channel: 'call_center' })
    expect(anonymous.statusCode).toBe(200)
    expect(anonymous.json()).toMatchObject({ profileId: null, offers: [{ offer: 'care-check' }] })
    expect((await decide({ channel: 'fax' })).json().message).toBe('channel must be one of email, sms, phone, post, push, web, in_store, call_center, got "fax"')
    expect((await decide({ channel: 'call_center', placement: 'home' })).json().message).toBe('placement must be one of call_center, agent_desk for channel call_center, got "home"')
  })

  it('gives a source key the offers but not the explanation, and keeps the catalog to marketers and admins', async () => {
    await goldCustomer()
    const asSource = (await decide({ userId: 'ann', channel: 'web' }, 'source')).json()
    expect(asSource.offers).toHaveLength(1)
    expect(asSource.explanation).toBeUndefined()
    const byId = await decide({ profileId: asSource.profileId, channel: 'web' }, 'source')
    expect([byId.statusCode, byId.json().code]).toEqual([403, 'ROLE_FORBIDDEN'])
    expect((await json('PUT', '/v1/catalog', CATALOG, 'agent')).statusCode).toBe(403)
    expect((await decide({ channel: 'web' }, 'analyst')).statusCode).toBe(403)
    const shown = (await t.app.inject({ method: 'GET', url: '/v1/catalog', headers: t.as.marketer })).json()
    expect([shown.version, shown.campaigns.map((c: { id: string }) => c.id)]).toEqual([1, ['gold', 'care']])
  })

  it('never gives out more of a campaign than its cap when many decide at once', async () => {
    await json('PUT', '/v1/catalog', { campaigns: [{ ...CATALOG.campaigns[1], id: 'scarce', caps: { total: 7 } }, { ...CATALOG.campaigns[1], id: 'plenty', offers: [offer('plenty-1', 1)] }] }, 'marketer')
    const answers = await Promise.all(Array.from({ length: 30 }, () => decide({ channel: 'call_center' })))
    const offers = answers.map((a) => a.json().offers[0]?.offer)
    expect(offers.filter((o) => o === 'care-check')).toHaveLength(7)
    expect(offers.filter((o) => o === 'plenty-1')).toHaveLength(23) // the next campaign takes over once the volume is gone
    expect((await t.store.decisions.campaignUsage('2026-06-10')).get('scarce')).toEqual({ total: 7, today: 7, spent: 0 })
  })

  it('never spends more of a campaign budget than it has when many decide at once', async () => {
    const priced = { ...CATALOG.campaigns[1], id: 'priced', caps: { budget: 35 }, offers: [{ ...offer('priced-1', 50), cost: 5 }] }
    await json('PUT', '/v1/catalog', { campaigns: [priced, { ...CATALOG.campaigns[1], id: 'plenty', offers: [offer('plenty-1', 1)] }] }, 'marketer')
    const answers = await Promise.all(Array.from({ length: 20 }, () => decide({ channel: 'call_center' })))
    const offers = answers.map((a) => a.json().offers[0]?.offer)
    expect(offers.filter((o) => o === 'priced-1')).toHaveLength(7)
    expect((await t.store.decisions.campaignUsage('2026-06-10')).get('priced')?.spent).toBe(35)
    const after = (await decide({ channel: 'call_center' })).json()
    expect(after.explanation.excluded).toContainEqual({ campaign: 'priced', reason: 'cap_reached', detail: "campaign budget 35 spent (35, no offer's cost fits the rest)" })
  })

  it('decides for every profile and keeps the best offers per channel on the profile (decide all)', async () => {
    const id = await goldCustomer()
    const report = await t.decide.decideAll({ channels: ['call_center', 'email'] })
    expect(report).toMatchObject({ profiles: 1, channels: ['call_center', 'email'], catalogVersion: 1, withoutOffer: 0, bestByCampaign: { 'call_center:gold': 1 } })
    expect(report.excludedByReason).toEqual({ channel_not_used: 2 }) // neither campaign uses email
    const profile = (await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}`, headers: t.as.agent })).json()
    expect(profile.computed.nextBestOffers).toMatchObject({ catalogVersion: 1, byChannel: { call_center: [{ campaign: 'gold', offer: 'gold-upgrade' }, { campaign: 'care', offer: 'care-check' }], email: [] } })
    expect(await t.store.decisions.decisionsOf(id, { limit: 10 })).toEqual([]) // nothing was sent or reserved
  })

  it('answers 503 with Retry-After when the store is down, not a 500', async () => {
    const id = await goldCustomer()
    const own = await testApp({ now: () => now })
    await own.decide.apply(CATALOG, 'test')
    const ask = () => own.app.inject({ method: 'POST', url: '/v1/decide', headers: { ...own.as.agent, 'content-type': 'application/json' }, payload: JSON.stringify({ profileId: id, channel: 'call_center' }) })
    expect((await ask()).statusCode).toBe(200) // the key is known (and cached) while the store answers
    await own.store.close()
    const res = await ask()
    expect([res.statusCode, res.headers['retry-after'], res.json().code]).toEqual([503, '1', 'STORE_UNAVAILABLE'])
    await own.app.close()
  })

  it('refuses an invalid catalog with every problem and keeps the running one', async () => {
    const bad = { campaigns: [{ ...CATALOG.campaigns[0], audience: 'traits.plan ==' }, { ...CATALOG.campaigns[1], id: 'gold' }] }
    const res = await json('PUT', '/v1/catalog', bad, 'marketer')
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^the catalog was refused \(2 problems\): campaign "gold".audience: Unexpected token: EOF at line 1, column 15, in "traits.plan =="; campaign "gold": id is used by another campaign$/)
    expect((await json('PUT', '/v1/catalog?dryRun=true', CATALOG, 'marketer')).json()).toEqual({ version: null, campaigns: 2, offers: 2, dryRun: true })
    expect(t.decide.catalog?.version).toBe(1)
  })
})
