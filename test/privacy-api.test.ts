import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

const doi = { type: 'double_opt_in', confirmedAt: '2026-01-01T10:05:00Z' }
const batch = (events: Record<string, unknown>[]) =>
  t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: events }) })
const get = (url: string, role: keyof TestApp['as'] = 'agent', headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers: { ...t.as[role], ...headers } })
const putConsent = (id: string, body: unknown, role: keyof TestApp['as'] = 'agent') =>
  t.app.inject({ method: 'PUT', url: `/v1/profiles/${id}/consent`, headers: { ...t.as[role], 'content-type': 'application/json' }, payload: JSON.stringify(body) })

async function customer(userId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await batch([{ type: 'identify', userId, messageId: `id-${userId}`, timestamp: '2026-01-01T09:00:00Z', traits: { email: `${userId}@example.com`, ...extra } }])
  expect(res.json().stored).toBe(1)
  return (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
}
const mayEmail = async (id: string) => (await get(`/v1/profiles/${id}/may-contact?purpose=marketing&channel=email`)).json()

describe('consent over the API', () => {
  it('takes the later decision by event time, not by arrival: both orders', async () => {
    const optIn = { purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: '2026-01-01T10:00:00Z', evidence: doi }
    const optOut = { purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: '2026-02-01T10:00:00Z' }
    const inOrder = await customer('order-1')
    expect((await putConsent(inOrder, optIn)).statusCode).toBe(200)
    expect(await mayEmail(inOrder)).toMatchObject({ allowed: true, state: 'opt_in' })
    expect((await putConsent(inOrder, optOut)).json()).toEqual({ profileId: inOrder, recorded: 1 })
    expect(await mayEmail(inOrder)).toMatchObject({ allowed: false, state: 'opt_out' })

    const reversed = await customer('order-2')
    await putConsent(reversed, { changes: [optOut, optIn] }) // the older opt-in arrives last
    expect(await mayEmail(reversed)).toMatchObject({ allowed: false, state: 'opt_out', reason: expect.stringContaining('opted out 2026-02-01T10:00:00.000Z (api:test agent)') })
  })

  it('reads consent from events (context.consent, Email Unsubscribed) and shows the ledger with its history', async () => {
    await batch([
      { type: 'identify', userId: 'ev-1', messageId: 'ev-1a', timestamp: '2026-01-01T09:00:00Z', traits: { email: 'ev1@example.com' }, context: { consent: { marketing: { email: { state: 'opt_in', evidence: doi } }, categoryPreferences: { Advertising: true } } } },
      { type: 'track', userId: 'ev-1', event: 'Email Unsubscribed', messageId: 'ev-1b', timestamp: '2026-03-01T09:00:00Z' },
    ])
    const id = (await t.store.profiles.idOfIdentifier('userId:ev-1'))!
    const ledger = (await get(`/v1/profiles/${id}/consent`)).json()
    expect(ledger.jurisdiction).toBe('DE')
    expect(ledger.purposes.marketing.email).toEqual({ allowed: false, state: 'opt_out', since: '2026-03-01T09:00:00.000Z', source: 'web' })
    expect(ledger.purposes.marketing.web).toMatchObject({ allowed: true, state: 'opt_in' })
    expect(ledger.purposes.marketing.post).toMatchObject({ allowed: true, state: 'default' })
    expect(ledger.history.map((r: { channel: string; state: string }) => `${r.channel}:${r.state}`)).toEqual(['email:opt_in', 'web:opt_in', 'email:opt_out'])
    // Asked about the past, it answers as the ledger stood then.
    expect((await get(`/v1/profiles/${id}/may-contact?purpose=marketing&channel=email&at=2026-02-01T00:00:00Z`)).json().allowed).toBe(true)
    // Consent changes that arrive on events are audited too, with the source's key.
    const changes = (await get(`/v1/audit?profileId=${id}`, 'admin')).json().items.filter((a: { action: string }) => a.action === 'consent.change')
    expect(changes.map((a: { detail: { messageId: string } }) => a.detail.messageId).sort()).toEqual(['ev-1a', 'ev-1b'])
    expect(changes[0]).toMatchObject({ role: 'source', actor: 'web', keyId: expect.stringMatching(/^key_/), purpose: 'collection' })
  })

  it('rejects an event whose consent is wrong, with the reason, and keeps it in quarantine', async () => {
    const res = await batch([
      { type: 'identify', userId: 'bad-1', messageId: 'bad-1', context: { consent: { marketing: { email: 'opt_in' } } } },
      { type: 'identify', userId: 'bad-2', messageId: 'bad-2', context: { consent: { spam: 'opt_out' } } },
    ])
    expect(res.json().rejected).toEqual([
      { index: 0, messageId: 'bad-1', reason: expect.stringContaining('batch[0].context.consent.marketing.email.evidence is required for an opt-in to marketing by email in DE') },
      { index: 1, messageId: 'bad-2', reason: expect.stringContaining('batch[1].context.consent.spam is not a consent purpose') },
    ])
    expect((await get('/v1/quarantine', 'admin')).json().items).toHaveLength(2)
  })

  it('answers bad consent input with clear errors', async () => {
    const id = await customer('err-1')
    const cases: [unknown, string][] = [
      [{ purpose: 'spam', channel: 'email', state: 'opt_out', occurredAt: '2026-01-01T00:00:00Z' }, 'purpose must be one of marketing, personalization, profiling, analytics, third_party_sharing, got "spam"'],
      [{ purpose: 'marketing', channel: 'fax', state: 'opt_out', occurredAt: '2026-01-01T00:00:00Z' }, 'channel must be one of email, sms, phone, post, push, web, in_store, call_center or all, got "fax"'],
      [{ purpose: 'marketing', channel: 'email', state: 'opt_out' }, 'occurredAt is required: when the person decided (ISO-8601)'],
      [{ changes: [{ purpose: 'marketing', channel: 'sms', state: 'opt_in', occurredAt: '2026-01-01T00:00:00Z' }] }, 'changes[0].evidence is required for an opt-in to marketing by sms in DE'],
      [{ changes: [] }, 'body must be a consent change'],
    ]
    for (const [body, message] of cases) {
      const res = await putConsent(id, body)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ code: 'CONSENT_INVALID', message: expect.stringContaining(message) })
    }
    const noChannel = await get(`/v1/profiles/${id}/may-contact?purpose=marketing`)
    expect(noChannel.json()).toMatchObject({ statusCode: 400, code: 'CONSENT_INVALID', message: 'purpose and channel are required, got purpose=marketing channel=(none)' })
    expect((await t.store.consent.recordsOf(id))).toEqual([]) // nothing half-recorded
  })
})

describe('GDPR rights over the API', () => {
  it('exports everything about a person, machine-readable, and logs the export', async () => {
    const id = await customer('gdpr-1', { name: 'Gina Export', phone: '+49 151 2345678' })
    await batch([{ type: 'track', userId: 'gdpr-1', event: 'Order Completed', messageId: 'g-o1', timestamp: '2026-01-02T00:00:00Z', properties: { revenue: 42 } }])
    await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: '2026-01-01T10:00:00Z', evidence: doi })
    await get(`/v1/profiles/${id}`) // an agent's read shows up in the access log
    const res = await get(`/v1/profiles/${id}/export`, 'admin', { 'x-salestwin-purpose': 'gdpr_request' })
    expect(res.statusCode).toBe(200)
    const data = res.json()
    expect(data.identifiers.map((i: { kind: string }) => i.kind).sort()).toEqual(['email', 'phone', 'userId'])
    expect(data.profile.traits.name.value).toBe('Gina Export')
    expect(data.events.map((e: { messageId: string }) => e.messageId).sort()).toEqual(['g-o1', 'id-gdpr-1'])
    expect(data.consent.history).toHaveLength(1)
    expect(data.accessLog.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['consent.change', 'profile.read']))
    const audit = (await get(`/v1/audit?profileId=${id}`, 'admin')).json().items
    expect(audit[0]).toMatchObject({ action: 'profile.export', role: 'admin', purpose: 'gdpr_request', profileId: id, actor: 'test admin', keyId: expect.stringMatching(/^key_/) })
  })

  it('erases a person so that no table holds their identifiers; a re-import comes back without marketing consent', async () => {
    const id = await customer('gdpr-2', { phone: '+49 151 7654321', name: 'Gerd Gone' })
    await putConsent(id, { purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: '2026-01-01T10:00:00Z', evidence: doi })
    const erased = await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${id}`, headers: t.as.admin })
    expect(erased.statusCode).toBe(200)
    expect(erased.json()).toMatchObject({ profileId: id, suppressed: 3, removed: { events: 1, identifiers: 3, consent_records: 1 } })
    const tables = await t.store.dumpTables()
    for (const [table, rows] of Object.entries(tables)) {
      for (const value of ['gdpr-2', 'gdpr-2@example.com', '+491517654321', 'Gerd']) expect(rows.includes(value), `${table} holds ${value}`).toBe(false)
    }
    expect((await get(`/v1/profiles/${id}`)).statusCode).toBe(404)
    expect((await get(`/v1/audit?profileId=${id}`, 'admin')).json().items[0]).toMatchObject({ action: 'profile.erase', detail: { removed: { events: 1 } } })

    // The CRM sends the same email again, with the consent it had on file: the profile comes back, not marketable.
    await batch([{ type: 'identify', userId: 'crm-9', messageId: 'crm-9', timestamp: '2026-01-01T11:00:00Z', traits: { email: 'gdpr-2@example.com' }, context: { consent: { marketing: { email: { state: 'opt_in', evidence: doi } } } } }])
    const back = (await t.store.profiles.idOfIdentifier('email:gdpr-2@example.com'))!
    expect(await mayEmail(back)).toMatchObject({ allowed: false, reason: 'erased earlier; no fresh consent since' })
  })

  it('keeps the audit log beyond the API: there is no route that changes it', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH'] as const) {
      const res = await t.app.inject({ method, url: '/v1/audit', headers: t.as.admin })
      expect(res.statusCode).toBe(404)
    }
    expect((await get('/v1/audit', 'agent')).statusCode).toBe(403)
  })
})

describe('consent figures and the analysts', () => {
  it('gives opt-in rates by purpose and channel over time, and never a person to an analyst', async () => {
    const a = await customer('fig-1')
    await customer('fig-2')
    await putConsent(a, { purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: '2026-01-02T00:00:00Z', evidence: doi })
    const res = await get('/v1/consent/figures?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=month', 'analyst')
    expect(res.statusCode).toBe(200)
    const figures = res.json()
    expect(figures.profiles).toBe(2)
    expect(figures.current.find((f: { purpose: string; channel: string }) => f.purpose === 'marketing' && f.channel === 'email')).toMatchObject({ optIn: 1, optInRate: 0.5, allowed: 1 })
    expect(figures.series.map((p: { at: string }) => p.at)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'])
    expect(figures.marketingReachable).toMatchObject({ count: 1, rate: 0.5 })
    expect((await get('/v1/consent/figures?interval=year', 'analyst')).json()).toMatchObject({ code: 'REQUEST_INVALID', message: 'interval must be one of day, week, month, got "year"' })
    expect((await get(`/v1/profiles/${a}`, 'analyst')).statusCode).toBe(403)
  })

  it('exports computed values under pseudonyms, leaving out people who objected to analytics', async () => {
    const a = await customer('px-1')
    const b = await customer('px-2')
    await t.store.values.putRun({ computedAt: '2026-02-01T00:00:00.000Z', data: {} }, [
      [
        { profileId: a, kind: 'value', computedAt: '2026-02-01T00:00:00.000Z', data: { clv: 10 } },
        { profileId: b, kind: 'value', computedAt: '2026-02-01T00:00:00.000Z', data: { clv: 20 } },
      ],
    ])
    await putConsent(b, { purpose: 'analytics', channel: 'all', state: 'opt_out', occurredAt: '2026-01-05T00:00:00Z' })
    const res = await get('/v1/exports/profiles', 'analyst')
    expect(res.json()).toMatchObject({ purpose: 'analytics', withheld: 1, items: [{ pseudonym: expect.stringMatching(/^[0-9a-f]{24}$/), clv: 10 }] })
    expect(res.body).not.toContain(a)
    expect(res.body).not.toContain('px-1')
  })
})
