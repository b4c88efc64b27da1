import { Analytics } from '@segment/analytics-node'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
let baseUrl: string

beforeAll(async () => {
  t = await testApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await t.close()
})

describe('the real Segment client (@segment/analytics-node) against a running server', () => {
  it('sends identify, track, page, group and alias that come back merged in one profile', async () => {
    const analytics = new Analytics({ writeKey: t.writeKey, host: baseUrl, flushAt: 3, maxRetries: 1 })
    const failures: unknown[] = []
    analytics.on('error', (err) => failures.push(err))

    analytics.page({ anonymousId: 'browser-42', name: 'Pricing', properties: { url: 'https://shop.example.com/pricing' } })
    analytics.identify({ anonymousId: 'browser-42', userId: 'user-42', traits: { email: 'Kim@Example.com', name: 'Kim Park' } })
    analytics.track({ userId: 'user-42', event: 'Order Completed', properties: { order_id: 'o-42', revenue: 120, currency: 'EUR', products: [{ sku: 'TENT-2P', price: 120 }] } })
    analytics.group({ userId: 'user-42', groupId: 'acme', traits: { name: 'ACME GmbH' } })
    analytics.alias({ userId: 'user-42', previousId: 'old-cookie-7' })
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(failures).toEqual([])

    const res = await fetch(`${baseUrl}/v1/profiles?userId=user-42`, { headers: t.as.agent })
    expect(res.status).toBe(200)
    const profile = await res.json()
    expect(profile.identifiers).toEqual([
      { kind: 'anonymousId', value: 'browser-42' },
      { kind: 'anonymousId', value: 'old-cookie-7' },
      { kind: 'email', value: 'kim@example.com' },
      { kind: 'userId', value: 'user-42' },
    ])
    expect(profile.eventsByType).toEqual({ page: 1, identify: 1, track: 1, group: 1, alias: 1 })
    expect(profile.orders).toEqual({ count: 1, revenueByCurrency: { EUR: 120 } })
    expect(profile.traits.name).toMatchObject({ value: 'Kim Park', source: 'web' })
    // The client's messageIds are kept, so its retries are stored once.
    const events = await (await fetch(`${baseUrl}/v1/profiles/${profile.id}/events`, { headers: t.as.agent })).json()
    expect(events.items).toHaveLength(5)
    for (const e of events.items) expect(e.messageId).toMatch(/^node-next-/)
  })
})
