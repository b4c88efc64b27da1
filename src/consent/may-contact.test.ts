import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ConsentRecord } from '../core/consent.js'
import { mayContact } from './may-contact.js'
import { consentPolicy } from './rules.js'

const DE = consentPolicy({ jurisdiction: 'DE' })
const US = consentPolicy({ jurisdiction: 'US' })
const NOW = '2026-06-01T00:00:00.000Z'

let nextId = 1
function record(fields: Partial<ConsentRecord> & Pick<ConsentRecord, 'state' | 'occurredAt'>): ConsentRecord {
  return {
    id: nextId++,
    purpose: 'marketing',
    channel: 'email',
    legalBasis: 'consent',
    source: 'test',
    recordedAt: fields.occurredAt,
    evidence: fields.state === 'opt_in' ? { type: 'double_opt_in' } : null,
    messageId: null,
    ...fields,
  }
}
const ledger = (...records: ConsentRecord[]) => ({ records, suppressions: [] })

describe('mayContact', () => {
  it('follows the jurisdiction when the person has not decided: DE needs an opt-in for email, not for letters; US the reverse for email', () => {
    expect(mayContact(ledger(), 'marketing', 'email', NOW, DE)).toMatchObject({ allowed: false, state: 'default', reason: 'no opt-in; DE requires one for marketing by email' })
    expect(mayContact(ledger(), 'marketing', 'post', NOW, DE)).toMatchObject({ allowed: true, state: 'default' })
    expect(mayContact(ledger(), 'marketing', 'phone', NOW, DE).allowed).toBe(false)
    expect(mayContact(ledger(), 'third_party_sharing', 'all', NOW, DE).allowed).toBe(false)
    expect(mayContact(ledger(), 'analytics', 'all', NOW, DE).allowed).toBe(true)
    expect(mayContact(ledger(), 'marketing', 'email', NOW, US).allowed).toBe(true)
    expect(mayContact(ledger(), 'marketing', 'sms', NOW, US).allowed).toBe(false)
  })

  it('lets overrides change a default (a B2B seller mailing business contacts on legitimate interest)', () => {
    const b2b = consentPolicy({ jurisdiction: 'DE', rules: { marketing: { email: 'allowed_unless_objected' } } })
    expect(mayContact(ledger(), 'marketing', 'email', NOW, b2b).allowed).toBe(true)
    expect(mayContact(ledger(record({ state: 'opt_out', occurredAt: '2026-01-01T00:00:00.000Z' })), 'marketing', 'email', NOW, b2b).allowed).toBe(false)
  })

  it('takes the later decision by event time, whichever arrived first', () => {
    const optIn = record({ state: 'opt_in', occurredAt: '2026-01-01T10:00:00.000Z' })
    const optOut = record({ state: 'opt_out', occurredAt: '2026-02-01T10:00:00.000Z' })
    // The opt-out happened later: it wins whether it was recorded before (lower id) or after the opt-in.
    expect(mayContact(ledger(optIn, optOut), 'marketing', 'email', NOW, DE).allowed).toBe(false)
    expect(mayContact(ledger({ ...optOut, id: 1 }, { ...optIn, id: 2 }), 'marketing', 'email', NOW, DE).allowed).toBe(false)
    // And an opt-in that happened after an opt-out wins over it, also when it arrived first.
    const reOptIn = record({ state: 'opt_in', occurredAt: '2026-03-01T10:00:00.000Z' })
    expect(mayContact(ledger({ ...reOptIn, id: 1 }, { ...optOut, id: 2 }), 'marketing', 'email', NOW, DE)).toMatchObject({ allowed: true, state: 'opt_in' })
    // Asked about a moment in the past, the ledger answers as it stood then.
    expect(mayContact(ledger(optIn, optOut), 'marketing', 'email', '2026-01-15T00:00:00.000Z', DE).allowed).toBe(true)
  })

  it('gives an opt-out the benefit of a tie, and lets an all-channel objection cover every channel', () => {
    const at = '2026-01-01T10:00:00.000Z'
    expect(mayContact(ledger(record({ state: 'opt_in', occurredAt: at }), record({ state: 'opt_out', occurredAt: at, id: 0 })), 'marketing', 'email', NOW, DE).allowed).toBe(false)
    const objection = record({ state: 'opt_out', channel: 'all', occurredAt: '2026-02-01T00:00:00.000Z' })
    expect(mayContact(ledger(record({ state: 'opt_in', occurredAt: at }), objection), 'marketing', 'email', NOW, DE).allowed).toBe(false)
    expect(mayContact(ledger(objection), 'marketing', 'post', NOW, DE).allowed).toBe(false)
    // `unknown` resets to the default, e.g. when a consent expired.
    const reset = record({ state: 'unknown', channel: 'post', occurredAt: '2026-03-01T00:00:00.000Z' })
    expect(mayContact(ledger(objection, reset), 'marketing', 'post', NOW, DE)).toMatchObject({ allowed: true, state: 'default' })
  })

  it('treats an erased person who comes back as opted out of marketing until they bring fresh consent', () => {
    const suppressions = [{ hash: 'h', kind: 'email', erasedAt: '2026-03-01T00:00:00.000Z' }]
    const oldOptIn = record({ state: 'opt_in', occurredAt: '2025-01-01T00:00:00.000Z' })
    expect(mayContact({ records: [oldOptIn], suppressions }, 'marketing', 'email', NOW, DE)).toMatchObject({ allowed: false, reason: 'erased earlier; no fresh consent since' })
    expect(mayContact({ records: [], suppressions }, 'marketing', 'post', NOW, DE).allowed).toBe(false)
    const fresh = record({ state: 'opt_in', occurredAt: '2026-04-01T00:00:00.000Z' })
    expect(mayContact({ records: [oldOptIn, fresh], suppressions }, 'marketing', 'email', NOW, DE).allowed).toBe(true)
    // Only marketing and sharing are withheld: service and analytics go on.
    expect(mayContact({ records: [], suppressions }, 'analytics', 'all', NOW, DE).allowed).toBe(true)
  })

  it('refuses a purpose or channel it does not know, naming it', () => {
    expect(() => mayContact(ledger(), 'spam', 'email', NOW, DE)).toThrow(/purpose must be one of marketing, .*, got "spam"/)
    expect(() => mayContact(ledger(), 'marketing', 'fax' as 'email', NOW, DE)).toThrow(/channel must be one of email, .* or all, got "fax"/)
    const extended = consentPolicy({ purposes: ['research'] })
    expect(mayContact(ledger(), 'research', 'email', NOW, extended)).toMatchObject({ allowed: false, state: 'default' })
  })

  it('does not depend on the order records arrive in (property)', () => {
    const states = ['opt_in', 'opt_out', 'unknown'] as const
    const channels = ['email', 'all', 'sms'] as const
    const arb = fc.array(
      fc.record({ state: fc.constantFrom(...states), channel: fc.constantFrom(...channels), day: fc.integer({ min: 1, max: 20 }) }),
      { minLength: 1, maxLength: 12 },
    )
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 1_000_000 }), (rows, seed) => {
        const records = rows.map((r, i) =>
          record({ state: r.state, channel: r.channel, occurredAt: `2026-01-${String(r.day).padStart(2, '0')}T00:00:00.000Z`, id: i + 1 }),
        )
        // Another arrival order: the same decisions, recorded (numbered) in a shuffled order.
        const shuffled = [...records].sort((a, b) => ((a.id * 7919 + seed) % 101) - ((b.id * 7919 + seed) % 101))
        const renumbered = shuffled.map((r, i) => ({ ...r, id: i + 1 }))
        for (const channel of ['email', 'sms', 'post', 'all'] as const) {
          const a = mayContact(ledger(...records), 'marketing', channel, NOW, DE)
          const b = mayContact(ledger(...renumbered), 'marketing', channel, NOW, DE)
          // Equal-time decisions of the same state may differ in source only; the verdict may not.
          expect(b.allowed).toBe(a.allowed)
          expect(b.state).toBe(a.state)
        }
      }),
    )
  })
})
