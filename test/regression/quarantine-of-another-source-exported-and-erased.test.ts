import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSource } from '../../src/collect/sources.js'
import { sendBatchAs, testApp, type TestApp } from '../helpers/app.js'

// Found after issue 10.4 made message ids unique per source: export and erasure found a person's
// quarantined payloads by message id alone, so another source's rejected event with the same id —
// someone else's data — was exported with the person, and erased with them.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const sendAs = (writeKey: string, batch: unknown[]) => sendBatchAs(t.app, writeKey, batch)

describe("another source's quarantined event with the same message id", () => {
  it('is neither exported with the person nor erased with them; their own source\'s is', async () => {
    const crm = await createSource(t.store, 'crm')
    await sendAs(t.writeKey, [
      { type: 'identify', userId: 'ada', messageId: 'm-1', traits: { email: 'ada@example.com' } },
      { type: 'track', userId: 'ada', messageId: 'm-2', event: 'Order Completed', properties: { revenue: -5 } }, // rejected, web
      { type: 'track', userId: 'ada', messageId: 'm-3', event: 'Viewed' },
    ])
    // The CRM's own, rejected event about somebody else, with message ids the web source used for Ada.
    await sendAs(crm.writeKey, [{ type: 'track', userId: 'bert', messageId: 'm-1', event: 'Order Completed', properties: { revenue: 'lots' } }])
    const ada = (await t.store.profiles.idOfIdentifier('userId:ada'))!

    const exported = (await t.app.inject({ method: 'GET', url: `/v1/profiles/${ada}/export`, headers: t.as.admin })).json()
    expect(exported.quarantined.map((q: { source: string; messageId: string }) => `${q.source}/${q.messageId}`)).toEqual(['web/m-2'])

    expect((await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${ada}`, headers: t.as.admin })).statusCode).toBe(200)
    const left = (await t.store.events.quarantine({ limit: 10 })).items.map((q) => `${q.source}/${q.messageId}`)
    expect(left).toEqual(['crm/m-1'])
  })
})
