import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.3: an opt-out dated two minutes ahead (a fast device clock, or a client that stamps its
// own time) was acknowledged and `may-contact` went on saying allowed; a year-9999 opt-out never
// took effect at all.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const doi = { type: 'double_opt_in', confirmedAt: '2026-01-01T10:05:00Z' }
const ahead = (ms: number) => new Date(Date.now() + ms).toISOString()
const json = { 'content-type': 'application/json' }
const batch = (events: Record<string, unknown>[]) =>
  t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, ...json }, payload: JSON.stringify({ batch: events }) })
const putConsent = (id: string, body: unknown) =>
  t.app.inject({ method: 'PUT', url: `/v1/profiles/${id}/consent`, headers: { ...t.as.agent, ...json }, payload: JSON.stringify(body) })
const mayEmail = async (id: string) =>
  (await t.app.inject({ method: 'GET', url: `/v1/profiles/${id}/may-contact?purpose=marketing&channel=email`, headers: t.as.agent })).json()

/** A customer who opted in to marketing emails a while ago. */
async function optedIn(userId: string): Promise<string> {
  await batch([{ type: 'identify', userId, messageId: `id-${userId}`, timestamp: '2026-01-01T09:00:00Z', traits: { email: `${userId}@example.com` } }])
  const id = (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
  expect((await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: '2026-01-01T10:00:00Z', evidence: doi })).statusCode).toBe(200)
  expect(await mayEmail(id)).toMatchObject({ allowed: true })
  return id
}

describe('an opt-out dated in the future takes effect when it is received', () => {
  it('through the consent API', async () => {
    const id = await optedIn('fut-api')
    const res = await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: ahead(120_000) })
    expect(res.statusCode).toBe(200)
    expect(await mayEmail(id)).toMatchObject({ allowed: false, state: 'opt_out' })
  })

  it('as an Unsubscribed event whose timestamp is ahead and that has no sentAt', async () => {
    const id = await optedIn('fut-event')
    expect((await batch([{ type: 'track', event: 'Unsubscribed', userId: 'fut-event', messageId: 'unsub-1', timestamp: ahead(120_000) }])).json().stored).toBe(1)
    expect(await mayEmail(id)).toMatchObject({ allowed: false, state: 'opt_out' })
  })

  it('refuses a year-9999 or pre-1970 consent time with the reason', async () => {
    const id = await optedIn('fut-9999')
    const far = await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: '9999-01-01T00:00:00Z' })
    expect(far.statusCode).toBe(400)
    expect(far.json()).toMatchObject({ code: 'CONSENT_INVALID', message: expect.stringMatching(/^occurredAt must be at most 365 days after it was received \(\d{4}-.+\), got "9999-01-01T00:00:00Z"$/) })
    const old = await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: '1969-12-31T23:59:59Z' })
    expect(old.json()).toMatchObject({ code: 'CONSENT_INVALID', message: 'occurredAt must be at or after 1970-01-01T00:00:00Z, got "1969-12-31T23:59:59Z"' })
  })

  it('lets a stored opt-out dated ahead (from before this fix) count from when it was recorded', async () => {
    const id = await optedIn('fut-old')
    const identityKey = 'userId:fut-old'
    const recordedAt = new Date().toISOString()
    const change = { purpose: 'marketing', channel: 'email' as const, state: 'opt_out' as const, legalBasis: 'consent' as const, source: 'api:old', occurredAt: '9999-01-01T00:00:00.000Z', evidence: null, messageId: null }
    await t.store.write((tx) => tx.insertConsent([{ identityKey, change, recordedAt }]))
    expect(await mayEmail(id)).toMatchObject({ allowed: false, state: 'opt_out' })
  })
})

describe('event times beyond the skew tolerance', () => {
  it('corrects a timestamp minutes ahead to the time received, keeping the original', async () => {
    const sent = ahead(3_600_000)
    const res = await batch([{ type: 'track', event: 'Clicked', userId: 'clock', messageId: 'c-1', timestamp: sent }])
    expect(res.json().stored).toBe(1)
    const id = (await t.store.profiles.idOfIdentifier('userId:clock'))!
    const [event] = (await t.store.events.timeline(id, { limit: 1 })).items
    expect(event!.payload).toMatchObject({ timestamp: event!.payload.receivedAt, originalTimestamp: sent })
  })

  it('rejects implausible times with the reason: before 1970, or more than a year ahead without sentAt', async () => {
    const res = await batch([
      { type: 'track', event: 'Clicked', userId: 'clock', messageId: 'c-2', timestamp: '1969-07-20T20:17:00Z' },
      { type: 'track', event: 'Clicked', userId: 'clock', messageId: 'c-3', timestamp: '9999-01-01T00:00:00Z' },
    ])
    expect(res.json().rejected).toEqual([
      { index: 0, messageId: 'c-2', reason: 'batch[0].timestamp must be at or after 1970-01-01T00:00:00Z, got "1969-07-20T20:17:00Z"' },
      { index: 1, messageId: 'c-3', reason: expect.stringMatching(/^batch\[1\]\.timestamp must be at most 365 days after it was received \(.+\), got "9999-01-01T00:00:00Z"$/) },
    ])
  })
})
