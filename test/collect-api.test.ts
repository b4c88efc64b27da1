import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSource } from '../src/collect/sources.js'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: t.basic, 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) })

describe('collection API: auth', () => {
  it('answers 401 for an unknown write key', async () => {
    const res = await post('/v1/track', { userId: 'u1', event: 'X', messageId: 'm' }, { authorization: `Basic ${Buffer.from('wk_nope:').toString('base64')}` })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ statusCode: 401, code: 'WRITE_KEY_INVALID', message: 'write key must belong to a source, got "wk_nop***"' })
  })

  it("stores a source key's events under its own source only, whatever the body says; other roles may not send", async () => {
    const shop = await createSource(t.store, 'shop')
    const res = await post('/v1/track', { userId: 'u1', event: 'Bought', messageId: 'src-1', writeKey: t.writeKey, source: 'web', context: { source: 'web' } }, { authorization: `Basic ${Buffer.from(`${shop.writeKey}:`).toString('base64')}` })
    expect(res.statusCode).toBe(200)
    const id = (await t.store.profiles.idOfIdentifier('userId:u1'))!
    expect((await t.store.events.timeline(id, { limit: 5 })).items.map((e) => e.source)).toEqual(['shop'])
    const agent = await post('/v1/track', { userId: 'u1', event: 'X', messageId: 'src-2' }, t.as.agent)
    expect(agent.json()).toMatchObject({ statusCode: 403, code: 'ROLE_FORBIDDEN' })
  })

  it('answers 401 without a write key', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: '{"batch":[]}' })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('WRITE_KEY_INVALID')
  })

  it('takes the write key from the body, as the browser library does with text/plain', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/t',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ writeKey: t.writeKey, userId: 'u1', event: 'Clicked', messageId: 'b1' }),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ success: true, status: 'stored' })
    const stored = await t.store.events.timeline((await t.store.profiles.idOfIdentifier('userId:u1'))!, { limit: 5 })
    expect(stored.items[0]!.payload).not.toHaveProperty('writeKey')
  })

  it('answers the CORS preflight of the browser library, allowing the Authorization header', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/t',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com')
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization')
  })
})

describe('collection API: bad input gets a clear error and nothing is lost', () => {
  it('answers 400 naming the parse position for malformed JSON', async () => {
    const res = await post('/v1/batch', '{"batch": [ {"type": "track",, } ]}')
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.code).toBe('BODY_INVALID_JSON')
    expect(body.message).toMatch(/^body must be valid JSON: .*position 29/)
  })

  it('answers 413 for a batch over 500 KB', async () => {
    const big = { batch: [{ type: 'track', userId: 'u1', event: 'X', messageId: 'm', properties: { blob: 'x'.repeat(520 * 1024) } }] }
    const res = await post('/v1/batch', big)
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({ statusCode: 413, code: 'BODY_TOO_LARGE', message: "body must be at most 500 KB (Segment's batch limit); split the batch" })
  })

  it('rejects the bad events of a batch with reasons, stores the valid ones, and quarantines the rest', async () => {
    const batch = [
      { type: 'track', userId: 'u1', event: 'Valid', messageId: 'ok-1' },
      { type: 'track', userId: 'u1', event: 'Huge', messageId: 'big', properties: { blob: 'x'.repeat(33 * 1024) } },
      { type: 'track', event: 'Nobody', messageId: 'anon' },
      { type: 'track', userId: 'u1', event: 'When', messageId: 'when', timestamp: 'yesterday' },
      { type: 'purchase', userId: 'u1', messageId: 'type' },
      { type: 'page', anonymousId: 'a1', messageId: 'ok-2' },
      { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'neg', properties: { revenue: -5 } },
    ]
    const res = await post('/v1/batch', { batch })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      success: true,
      stored: 2,
      duplicates: 0,
      rejected: [
        { index: 1, messageId: 'big', reason: expect.stringMatching(/^batch\[1\] must be at most 32 KB, got \d+ bytes$/) },
        { index: 2, messageId: 'anon', reason: 'batch[2].userId or anonymousId is required' },
        { index: 3, messageId: 'when', reason: 'batch[3].timestamp must be ISO-8601, got "yesterday"' },
        { index: 4, messageId: 'type', reason: 'batch[4].type must be one of identify, track, page, screen, group, alias, got "purchase"' },
        { index: 6, messageId: 'neg', reason: 'batch[6].properties.revenue must not be negative, got -5' },
      ],
    })
    const quarantine = await t.app.inject({ method: 'GET', url: '/v1/quarantine?limit=10', headers: t.as.admin })
    const entries = quarantine.json().items as { messageId: string; reason: string; raw: { messageId: string } }[]
    expect(entries.map((e) => e.messageId).sort()).toEqual(['anon', 'big', 'neg', 'type', 'when'])
    expect(entries.find((e) => e.messageId === 'when')).toMatchObject({ reason: 'batch[3].timestamp must be ISO-8601, got "yesterday"', raw: batch[3] })
    expect(await t.store.events.counts()).toEqual({ events: 2, profiles: 2, quarantined: 5, warnings: 0 })
    const foreign = await t.app.inject({ method: 'GET', url: '/v1/quarantine?cursor=abc', headers: t.as.admin })
    expect(foreign.json()).toEqual({ statusCode: 400, code: 'REQUEST_INVALID', message: 'cursor must be one this API gave out, got "abc"' })
  })

  it('answers 400 EVENT_INVALID for a bad single event, and quarantines it', async () => {
    const res = await post('/v1/identify', { traits: { name: 'x' }, messageId: 'lonely' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ statusCode: 400, code: 'EVENT_INVALID', message: 'userId or anonymousId is required' })
    expect((await t.store.events.counts()).quarantined).toBe(1)
  })

  it('answers 400 when batch is not an array', async () => {
    const res = await post('/v1/batch', { batch: { type: 'track' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ statusCode: 400, code: 'REQUEST_INVALID', message: 'batch must be an array of messages, got object' })
  })

  it('stores a retried batch once (same messageIds)', async () => {
    const batch = [{ type: 'track', userId: 'u1', event: 'Retry', messageId: 'r-1' }]
    expect((await post('/v1/batch', { batch })).json()).toMatchObject({ stored: 1, duplicates: 0 })
    expect((await post('/v1/batch', { batch })).json()).toMatchObject({ stored: 0, duplicates: 1 })
    expect((await t.store.events.counts()).events).toBe(1)
  })

  it('answers 404 in the error shape for an unknown route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'no route GET /v1/nothing' })
  })
})

describe('collection API: overload', () => {
  it('answers 429 with Retry-After instead of falling over when the store falls behind', async () => {
    await t.close()
    t = await testApp({ maxQueuedEvents: 100 })
    const batch = Array.from({ length: 101 }, (_, i) => ({ type: 'track', userId: 'u1', event: 'Flood', messageId: `f-${i}` }))
    const res = await post('/v1/batch', { batch })
    expect(res.statusCode).toBe(429)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.json()).toEqual({ statusCode: 429, code: 'OVERLOADED', message: 'collection is 0 events behind; retry after 1 s' })
    expect((await t.store.events.counts()).events).toBe(0)
  })
})

describe('profile API', () => {
  beforeEach(async () => {
    await post('/v1/batch', {
      batch: [
        { type: 'page', anonymousId: 'a-7', messageId: 'p-1', timestamp: '2024-03-01T09:00:00Z', context: { campaign: { source: 'google', medium: 'cpc' } } },
        { type: 'identify', anonymousId: 'a-7', userId: 'u-7', messageId: 'p-2', timestamp: '2024-03-01T09:05:00Z', traits: { email: 'Lin@Example.org', phone: '+49 151 23456789', firstName: 'Lin', crm_id: 'CRM-7' } },
        { type: 'track', userId: 'u-7', event: 'Order Completed', messageId: 'p-3', timestamp: '2024-03-01T09:10:00Z', properties: { order_id: 'o-7', revenue: 99.9, currency: 'eur' } },
      ],
    })
  })

  it.each([
    ['email=lin%40example.org'],
    ['userId=u-7'],
    ['anonymousId=a-7'],
    ['phone=%2B4915123456789'],
    ['externalId=crm:CRM-7'],
  ])('finds the profile by %s', async (query) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/profiles?${query}`, headers: t.as.agent })
    expect(res.statusCode).toBe(200)
    const profile = res.json()
    expect(profile.identifiers).toEqual([
      { kind: 'anonymousId', value: 'a-7' },
      { kind: 'email', value: 'lin@example.org' },
      { kind: 'external:crm', value: 'CRM-7' },
      { kind: 'phone', value: '+4915123456789' },
      { kind: 'userId', value: 'u-7' },
    ])
    expect(profile.orders).toEqual({ count: 1, revenueByCurrency: { EUR: 99.9 } })
    expect(profile.traits.firstName).toEqual({ value: 'Lin', at: '2024-03-01T09:05:00.000Z', source: 'web' })
  })

  it('answers 404 for an unknown profile and 400 for a lookup without a key', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/v1/profiles/prof_nope', headers: t.as.admin })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ statusCode: 404, code: 'PROFILE_NOT_FOUND', message: 'profile "prof_nope" does not exist' })
    const bad = await t.app.inject({ method: 'GET', url: '/v1/profiles?email=not-an-email', headers: t.as.admin })
    expect(bad.json()).toEqual({ statusCode: 400, code: 'REQUEST_INVALID', message: 'email must be an email address, got "not-an-email"' })
  })

  it('pages the timeline and searches by name', async () => {
    const id = (await t.store.profiles.idOfIdentifier('userId:u-7'))!
    const page = await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}/events?limit=2`, headers: t.as.agent })
    expect(page.json().items.map((e: { messageId: string }) => e.messageId)).toEqual(['p-3', 'p-2'])
    const next = await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}/events?limit=2&cursor=${page.json().nextCursor}`, headers: t.as.agent })
    expect(next.json()).toMatchObject({ profileId: id, nextCursor: null })
    expect(next.json().items.map((e: { messageId: string }) => e.messageId)).toEqual(['p-1'])
    const search = await t.app.inject({ method: 'GET', url: '/v1/profiles?q=li', headers: t.as.admin })
    expect(search.json()).toEqual({ items: [{ id, email: 'lin@example.org', name: 'Lin' }] })
    const badLimit = await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}/events?limit=0`, headers: t.as.agent })
    expect(badLimit.json()).toEqual({ statusCode: 400, code: 'REQUEST_INVALID', message: 'limit must be an integer from 1 to 500, got "0"' })
  })
})
