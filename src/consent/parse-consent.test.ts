import { describe, expect, it } from 'vitest'
import { consentOfEvent, parseConsentChange } from './parse-consent.js'
import { consentPolicy } from './rules.js'

const policy = consentPolicy({ jurisdiction: 'DE' })
const ctx = { policy, source: 'api:crm', path: 'changes[0]' }
const at = '2026-05-01T10:00:00Z'

describe('parseConsentChange', () => {
  it('takes a complete change and fills legal basis and source', () => {
    expect(parseConsentChange({ purpose: 'marketing', channel: 'post', state: 'opt_out', occurredAt: at }, ctx)).toEqual({
      purpose: 'marketing', channel: 'post', state: 'opt_out', legalBasis: 'consent', source: 'api:crm',
      occurredAt: '2026-05-01T10:00:00.000Z', evidence: null, messageId: null,
    })
  })

  it.each([
    [{ purpose: 'spam', channel: 'email', state: 'opt_out', occurredAt: at }, 'changes[0].purpose must be one of marketing, personalization, profiling, analytics, third_party_sharing, got "spam"'],
    [{ purpose: 'marketing', channel: 'fax', state: 'opt_out', occurredAt: at }, 'changes[0].channel must be one of email, sms, phone, post, push, web, in_store, call_center or all, got "fax"'],
    [{ purpose: 'marketing', channel: 'email', state: 'yes', occurredAt: at }, 'changes[0].state must be one of opt_in, opt_out, unknown, got "yes"'],
    [{ purpose: 'marketing', channel: 'email', state: 'opt_out' }, 'changes[0].occurredAt is required: when the person decided (ISO-8601)'],
    [{ purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: 'last week' }, 'changes[0].occurredAt must be ISO-8601 with a time zone, got "last week"'],
    [{ purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: at, legalBasis: 'vibes' }, 'changes[0].legalBasis must be one of consent, contract, legitimate_interest, legal_obligation, got "vibes"'],
    [{ purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: at }, 'changes[0].evidence is required for an opt-in to marketing by email in DE (e.g. { "type": "double_opt_in", "confirmedAt": "…" })'],
    [{ purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: at, evidence: 'trust me' }, 'changes[0].evidence must be an object with a "type" (e.g. "double_opt_in"), got "trust me"'],
  ])('refuses %j: %s', (input, message) => {
    expect(() => parseConsentChange(input, ctx)).toThrow(message)
  })

  it('names every wrong field at once', () => {
    expect(() => parseConsentChange({ purpose: 'x', channel: 'y', state: 'opt_in', occurredAt: at }, ctx)).toThrow(/purpose must .*; changes\[0\]\.channel must/)
  })

  it('accepts an opt-in with evidence, and one on a channel that needs none (post)', () => {
    expect(parseConsentChange({ purpose: 'marketing', channel: 'email', state: 'opt_in', occurredAt: at, evidence: { type: 'double_opt_in', confirmedAt: at } }, ctx).evidence).toEqual({ type: 'double_opt_in', confirmedAt: at })
    expect(parseConsentChange({ purpose: 'marketing', channel: 'post', state: 'opt_in', occurredAt: at }, ctx).state).toBe('opt_in')
  })
})

describe('consentOfEvent', () => {
  const event = (fields: Partial<Parameters<typeof consentOfEvent>[0]>) => ({
    type: 'identify', event: null, properties: {}, context: {}, timestamp: '2026-05-02T08:00:00.000Z', receivedAt: '2026-05-02T08:00:01.000Z', source: 'web', messageId: 'm1', ...fields,
  })

  it('reads context.consent per purpose and channel, at the event time', () => {
    const changes = consentOfEvent(
      event({ context: { consent: { marketing: { email: { state: 'opt_in', evidence: { type: 'double_opt_in' } }, sms: 'opt_out' }, profiling: 'opt_out' } } }),
      'batch[0]',
      policy,
    )
    expect(changes.map((c) => [c.purpose, c.channel, c.state, c.occurredAt, c.source, c.messageId])).toEqual([
      ['marketing', 'email', 'opt_in', '2026-05-02T08:00:00.000Z', 'web', 'm1'],
      ['marketing', 'sms', 'opt_out', '2026-05-02T08:00:00.000Z', 'web', 'm1'],
      ['profiling', 'all', 'opt_out', '2026-05-02T08:00:00.000Z', 'web', 'm1'],
    ])
  })

  it("reads Segment's categoryPreferences as web consent, leaving unknown categories alone", () => {
    const changes = consentOfEvent(event({ context: { consent: { categoryPreferences: { Advertising: false, Analytics: true, C0004: true } } } }), '', policy)
    expect(changes.map((c) => [c.purpose, c.channel, c.state])).toEqual([
      ['marketing', 'web', 'opt_out'],
      ['analytics', 'web', 'opt_in'],
    ])
  })

  it('reads unsubscribe events as opt-outs', () => {
    expect(consentOfEvent(event({ type: 'track', event: 'Email Unsubscribed' }), '', policy).map((c) => [c.purpose, c.channel, c.state])).toEqual([['marketing', 'email', 'opt_out']])
    expect(consentOfEvent(event({ type: 'track', event: 'Unsubscribed', properties: { channel: 'sms' } }), '', policy).map((c) => c.channel)).toEqual(['sms'])
  })

  it('names the field of a bad consent block', () => {
    expect(() => consentOfEvent(event({ context: { consent: { spam: 'opt_in' } } }), 'batch[2]', policy)).toThrow(
      'batch[2].context.consent.spam is not a consent purpose: must be one of marketing, personalization, profiling, analytics, third_party_sharing or categoryPreferences',
    )
    expect(() => consentOfEvent(event({ context: { consent: { marketing: { email: 'opt_in' } } } }), 'batch[2]', policy)).toThrow(
      'batch[2].context.consent.marketing.email.evidence is required for an opt-in to marketing by email in DE',
    )
    expect(() => consentOfEvent(event({ context: { consent: { categoryPreferences: { Advertising: 'yes' } } } }), '', policy)).toThrow(
      'context.consent.categoryPreferences.Advertising must be true or false, got "yes"',
    )
  })
})
