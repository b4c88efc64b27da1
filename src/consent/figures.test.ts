import { describe, expect, it } from 'vitest'
import type { ConsentRecord } from '../core/consent.js'
import { consentFigures } from './figures.js'
import { consentPolicy } from './rules.js'

const policy = consentPolicy({ jurisdiction: 'DE' })
let id = 1
const rec = (profileId: string, state: ConsentRecord['state'], occurredAt: string, channel: ConsentRecord['channel'] = 'email'): ConsentRecord & { profileId: string } => ({
  id: id++, profileId, purpose: 'marketing', channel, state, occurredAt, recordedAt: occurredAt, legalBasis: 'consent', source: 't', evidence: null, messageId: null,
})

describe('consentFigures', () => {
  // Four people, first seen in January (a, b) and February (c, d).
  const firstSeen = ['2026-01-05T00:00:00.000Z', '2026-01-20T00:00:00.000Z', '2026-02-03T00:00:00.000Z', '2026-02-10T00:00:00.000Z']
  const records = [
    rec('a', 'opt_in', '2026-01-05T00:00:00.000Z'),
    rec('b', 'opt_in', '2026-01-21T00:00:00.000Z'),
    rec('c', 'opt_in', '2026-02-04T00:00:00.000Z'),
    rec('b', 'opt_out', '2026-02-15T00:00:00.000Z', 'all'),
    rec('d', 'opt_in', '2026-02-11T00:00:00.000Z', 'phone'),
  ]
  const figures = consentFigures(records, firstSeen, policy, { from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' })

  it('counts opt-ins, opt-outs and unknowns per purpose and channel, and what the policy allows', () => {
    const email = figures.current.find((f) => f.purpose === 'marketing' && f.channel === 'email')!
    // a and c opted in; b opted in and later out of every channel; d never decided on email.
    expect(email).toMatchObject({ optIn: 2, optOut: 1, unknown: 1, optInRate: 0.5, allowed: 2, allowedRate: 0.5 })
    // Letters need no opt-in in DE: everybody but b, who objected on all channels.
    expect(figures.current.find((f) => f.purpose === 'marketing' && f.channel === 'post')).toMatchObject({ optIn: 0, optOut: 1, allowed: 3 })
    expect(figures.profiles).toBe(4)
  })

  it('counts people reachable for marketing by email, sms or phone', () => {
    // a (email), c (email), d (phone); not b.
    expect(figures.marketingReachable).toEqual({ channels: ['email', 'sms', 'phone'], count: 3, rate: 0.75 })
  })

  it('gives the opt-in rate at the end of each month', () => {
    expect(figures.series.map((p) => [p.at, p.profiles, p.optInRate['marketing.email']])).toEqual([
      ['2026-02-01T00:00:00.000Z', 2, 1],
      ['2026-03-01T00:00:00.000Z', 4, 0.5],
    ])
  })

  it('refuses a period that ends before it starts', () => {
    expect(() => consentFigures(records, firstSeen, policy, { from: '2026-03-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' })).toThrow('from must not be after to')
  })
})
