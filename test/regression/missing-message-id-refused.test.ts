import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.5: an event without a messageId was refused, while Segment's HTTP API (and its own curl
// examples) accept it and generate one.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const post = (url: string, body: unknown) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify(body) })

describe('an event without a messageId', () => {
  it('is stored with a server-generated id, on /v1/track and in a batch; a resend is stored again (it cannot be recognized)', async () => {
    const track = { userId: 'curl-user', event: 'Signed Up', properties: { plan: 'pro' } }
    expect((await post('/v1/track', track)).json()).toEqual({ success: true, status: 'stored' })
    expect((await post('/v1/track', track)).json()).toEqual({ success: true, status: 'stored' })
    expect((await post('/v1/batch', { batch: [{ type: 'identify', userId: 'curl-user', traits: { email: 'curl@example.com' } }] })).json()).toMatchObject({ stored: 1, rejected: [] })
    const id = (await t.store.profiles.idOfIdentifier('userId:curl-user'))!
    const ids = (await t.store.events.timeline(id, { limit: 10 })).items.map((e) => e.messageId)
    expect(ids).toHaveLength(3)
    for (const messageId of ids) expect(messageId).toMatch(/^srv-[0-9a-f-]{36}$/)
    expect(new Set(ids).size).toBe(3)
  })
})
