import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.2: properties nested 10,000 levels deep made JSON.stringify overflow the stack inside
// parseEvent; the batch answered 500 and its valid events were neither stored nor quarantined.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

/** JSON text of an object nested `depth` levels below its top, written out (JSON.stringify itself would overflow). */
function nested(depth: number): string {
  return `${'{"deeper":'.repeat(depth)}{"leaf":true}${'}'.repeat(depth)}`
}
const NESTED = '"@NESTED@"'
/** A batch's JSON text with each message's nested field spliced in as text. */
function batchText(messages: [Record<string, unknown>, string?][]): string {
  return `{"batch":[${messages.map(([m, deep]) => (deep ? JSON.stringify(m).replace(NESTED, deep) : JSON.stringify(m))).join(',')}]}`
}

describe('a deeply nested event', () => {
  it('is rejected with its reason and quarantined, and the other events of the batch are stored', async () => {
    const payload = batchText([
      [{ type: 'track', userId: 'u1', messageId: 'ok-1', event: 'Signed Up' }],
      [{ type: 'track', userId: 'u1', messageId: 'deep-1', event: 'Deep', properties: '@NESTED@' }, nested(10_000)],
      [{ type: 'track', userId: 'u1', messageId: 'deep-2', event: 'Deep', context: '@NESTED@' }, nested(70)],
      [{ type: 'track', userId: 'u1', messageId: 'ok-2', event: 'Nested Fine', properties: '@NESTED@' }, nested(60)],
    ])
    const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      success: true,
      stored: 2,
      duplicates: 0,
      rejected: [
        { index: 1, messageId: 'deep-1', reason: 'batch[1].properties must be nested at most 64 levels deep, got more at batch[1].properties.deeper.deeper.deeper.deeper.deeper.deeper.deeper.deeper.deeper…' },
        { index: 2, messageId: 'deep-2', reason: 'batch[2].context must be nested at most 64 levels deep, got more at batch[2].context.deeper.deeper.deeper.deeper.deeper.deeper.deeper.deeper.deeper…' },
      ],
    })
    // Quarantined whole; the admin's quarantine view answers, with a payload too deep for JSON kept as its text.
    const quarantine = await t.app.inject({ method: 'GET', url: '/v1/quarantine', headers: t.as.admin })
    expect(quarantine.statusCode).toBe(200)
    const items = quarantine.json().items as { messageId: string; raw: unknown }[]
    expect(items.map((q) => q.messageId).sort()).toEqual(['deep-1', 'deep-2'])
    const deepest = items.find((q) => q.messageId === 'deep-1')!.raw as string
    expect(deepest.length).toBeGreaterThan(100_000)
    expect(deepest.split('"deeper"').length - 1).toBe(10_000)
    expect(items.find((q) => q.messageId === 'deep-2')!.raw).toMatchObject({ messageId: 'deep-2', event: 'Deep' })
    const id = (await t.store.profiles.idOfIdentifier('userId:u1'))!
    expect((await t.store.events.timeline(id, { limit: 10 })).items.map((e) => e.messageId).sort()).toEqual(['ok-1', 'ok-2'])
  })

  it('as a single-event call answers 400 EVENT_INVALID, not 500', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: t.basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: 'u1', messageId: 'deep-3', event: 'Deep', traits: '@NESTED@' }).replace(NESTED, nested(100)),
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('EVENT_INVALID')
  })
})
