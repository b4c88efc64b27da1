import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.7: 429 started only above 200,000 queued events, so under load every request waited
// seconds for its ack and /health stopped answering. Collection now sheds by expected queue delay.
let t: TestApp
beforeEach(async () => {
  t = await testApp({ maxAckDelayMs: 20 })
})
afterEach(async () => {
  await t.close()
})

const batchOf = (request: number) =>
  JSON.stringify({ batch: Array.from({ length: 200 }, (_, i) => ({ type: 'track', userId: `u-${request}-${i % 20}`, messageId: `m-${request}-${i}`, event: 'Viewed' })) })

describe('collection under overload', () => {
  it('refuses with 429 and Retry-After once the expected wait passes the bound, stores every accepted event, and /health keeps answering', async () => {
    // A first commit measures the rate.
    const warm = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: batchOf(-1) })
    expect(warm.statusCode).toBe(200)
    // Open loop: a request every 3 ms, whether or not the earlier ones were answered.
    const sends: Promise<LightMyRequestResponse>[] = []
    for (let r = 0; r < 60; r++) {
      sends.push(t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: batchOf(r) }))
      await new Promise((resolve) => setTimeout(resolve, 3))
    }
    const health = t.app.inject({ method: 'GET', url: '/health' })
    const results = await Promise.all(sends)
    expect((await health).statusCode).toBe(200)
    const refused = results.filter((r) => r.statusCode === 429)
    const accepted = results.filter((r) => r.statusCode === 200)
    expect(refused.length + accepted.length).toBe(results.length)
    expect(refused.length).toBeGreaterThan(0)
    expect(accepted.length).toBeGreaterThan(0)
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // Whichever of the shedder's signals tripped first: on a machine busy with other work, the event loop's.
    expect(refused[0]!.json()).toMatchObject({
      statusCode: 429,
      code: 'OVERLOADED',
      message: expect.stringMatching(/^collection (would take \d+ ms to acknowledge \(bound 20 ms\)|is answering in \d+ ms \(bound 20 ms\)|is at capacity \(event loop busy, admitting \d+ % of requests\)); retry after \d+ s$/),
    })
    const storedByAck = accepted.reduce((n, r) => n + (r.json() as { stored: number }).stored, 0)
    expect(storedByAck).toBe(accepted.length * 200)
    expect((await t.store.events.counts()).events).toBe(storedByAck + 200)
  })
})

describe('collection after load', () => {
  it('does not stay shut: answered and aborted requests leave the shedder, so a later request is admitted', async () => {
    const quiet = await testApp({ maxAckDelayMs: 200 })
    try {
      const send = () => quiet.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: quiet.basic, 'content-type': 'application/json' }, payload: batchOf(7) })
      expect((await send()).statusCode).toBe(200)
      // A client that goes away mid-request must not leave an open request behind either.
      await quiet.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: quiet.basic, 'content-type': 'application/json' }, payload: batchOf(8), simulate: { end: true, split: false, error: false, close: true } }).catch(() => undefined)
      await new Promise((r) => setTimeout(r, 400))
      expect((await send()).statusCode).toBe(200)
    } finally {
      await quiet.close()
    }
  })
})
