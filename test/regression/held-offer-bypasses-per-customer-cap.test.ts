import { describe, expect, it } from 'vitest'
import { consentPolicy } from '../../src/consent/rules.js'
import { CONSENT_PURPOSES, type ConsentRecord } from '../../src/core/consent.js'
import { compileCatalog } from '../../src/decide/catalog.js'
import { decide } from '../../src/decide/engine.js'
import { NO_BEHAVIOUR, type CustomerFeatures } from '../../src/decide/features.js'
import type { PastDecision } from '../../src/decide/history.js'
import { knownRate } from '../../src/decide/learning/learner.js'

// Found by the engine's consent/cap property once its random catalogs had rules: the campaign of the
// customer's open offer let its other offers past the per-customer cap (the cap is waived so the open
// offer can repeat) when the open offer itself was no longer eligible.
const NOW = new Date('2026-06-10T12:00:00Z')
const record = (purpose: string): ConsentRecord => ({ id: 1, purpose, channel: 'all', state: 'opt_in', legalBasis: 'consent', source: 'test', occurredAt: '2026-01-01T00:00:00Z', recordedAt: '2026-01-01T00:00:00Z', evidence: { type: 'test' }, messageId: null })
const features = (clv: number): CustomerFeatures => ({
  profileId: 'p1',
  traits: {},
  value: { clv, probabilityAlive: 0.4 },
  behaviour: NO_BEHAVIOUR,
  ledger: { records: [record('marketing'), record('personalization')], suppressions: [] },
  timeZone: null,
})
const catalog = compileCatalog(
  {
    contactPolicy: { quietHours: { from: 0, to: 0 } },
    campaigns: [
      {
        id: 'capped',
        name: 'Capped',
        status: 'active',
        channels: ['post', 'email'],
        caps: { perCustomer: 1 },
        offers: [
          { id: 'rich', name: 'Rich', value: 5, eligibility: 'value.clv > 400.0' },
          { id: 'any', name: 'Any', value: 3 },
        ],
      },
    ],
  },
  { version: 1, purposes: CONSENT_PURPOSES },
)
const past: PastDecision[] = [{ id: 'd1', at: new Date(NOW.getTime() - 1000).toISOString(), channel: 'email', offers: [{ offerId: 'rich', campaignId: 'capped' }], outcomes: [], continues: null }]
const inputs = (clv: number) => ({ catalog, features: features(clv), past, policy: consentPolicy({ jurisdiction: 'DE' }), usage: () => ({ total: 0, today: 0 }), propensity: () => () => knownRate(0.05) })

describe('held-offer-bypasses-per-customer-cap', () => {
  it('lets the open offer repeat, and no other offer of its campaign past the cap', () => {
    const d = decide({ channel: 'post', placement: 'post', at: NOW }, 2, inputs(300))
    expect(d.offers).toEqual([])
    expect(d.explanation.excluded).toContainEqual({ campaign: 'capped', offer: 'any', reason: 'cap_reached', detail: 'per-customer cap 1 reached (1 contacts)' })
    const again = decide({ channel: 'post', placement: 'post', at: NOW }, 2, inputs(500))
    expect([again.offers.map((o) => o.offer), again.explanation.continues]).toEqual([['rich'], 'd1'])
  })
})
