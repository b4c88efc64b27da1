import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mayContact } from '../consent/may-contact.js'
import { consentPolicy } from '../consent/rules.js'
import { CONSENT_PURPOSES, type ConsentRecord } from '../core/consent.js'
import { compileCatalog, type Catalog } from './catalog.js'
import { DECISION_CHANNELS, type DecisionChannel } from './catalog-schema.js'
import { decide, type DecideInputs } from './engine.js'
import { anonymousFeatures, NO_BEHAVIOUR, RuleMemo, type CustomerFeatures } from './features.js'
import type { PastDecision } from './history.js'
import { priorRate } from './learning/learner.js'

const policy = consentPolicy({ jurisdiction: 'DE' })
const NOW = new Date('2026-06-10T12:00:00Z')
const DAY = 86_400_000

const catalogOf = (campaigns: unknown[], extra: Record<string, unknown> = {}): Catalog => compileCatalog({ campaigns, ...extra }, { version: 7, purposes: CONSENT_PURPOSES })
const optIn = (purpose: string, channel: string, at = '2026-01-01T00:00:00Z', state: 'opt_in' | 'opt_out' = 'opt_in'): ConsentRecord => ({
  id: 1,
  purpose,
  channel: channel as ConsentRecord['channel'],
  state,
  legalBasis: 'consent',
  source: 'test',
  occurredAt: at,
  recordedAt: at,
  evidence: { type: 'test' },
  messageId: null,
})
const customer = (records: ConsentRecord[], value: Record<string, unknown> | null = { clv: 300, probabilityAlive: 0.4 }): CustomerFeatures => ({
  profileId: 'p1',
  traits: { plan: 'gold' },
  value,
  behaviour: { ...NO_BEHAVIOUR, orders: 2 },
  ledger: { records, suppressions: [] },
  timeZone: 'Europe/Berlin',
})
const inputs = (catalog: Catalog, features: CustomerFeatures, past: PastDecision[] = []): DecideInputs => ({
  catalog,
  features,
  past,
  policy,
  usage: () => ({ total: 0, today: 0 }),
  propensity: () => priorRate,
})
const ctx = (channel: DecisionChannel, at = NOW) => ({ channel, placement: channel, at })
const webConsent = [optIn('marketing', 'web'), optIn('personalization', 'web')]

const winback = {
  id: 'winback',
  name: 'Win back',
  status: 'active',
  weight: 50,
  audience: 'value.pAlive < 0.5',
  channels: ['web', 'call_center'],
  responseWindowDays: 7,
  cooldownDays: 20,
  offers: [{ id: 'wb-15', name: '15 %', value: 'value.clv * 0.1', cost: 2, content: { web: { title: 'Come back' }, call_center: { script: 'Offer 15 %' } } }],
}
const newsletter = { id: 'news', name: 'News', status: 'active', channels: ['web', 'call_center'], offers: [{ id: 'news-1', name: 'News', value: 5, content: { call_center: { script: 'Mention the news' } } }] }

describe('decide', () => {
  it('scores P × C × V × L and explains every offer left out', () => {
    const catalog = catalogOf([winback, newsletter, { ...newsletter, id: 'paused', status: 'paused', offers: [{ id: 'p-1', name: 'P', value: 1 }] }])
    const { offers, explanation } = decide(ctx('web'), 3, inputs(catalog, customer(webConsent)))
    // wb-15: propensity 0.05 (prior 1/20) × C 1 × V (300 × 0.1 − 2) × L (1 + 50/100) = 2.1
    expect(offers.map((o) => [o.offer, o.score])).toEqual([['wb-15', 2.1]])
    expect(explanation.ranked.map((r) => r.offer)).toEqual(['wb-15', 'news-1'])
    expect(explanation.excluded).toEqual([{ campaign: 'paused', reason: 'not_active', detail: 'status is paused' }])
    expect(explanation.catalogVersion).toBe(7)
  })

  it('asks the consent gate for every campaign: a known customer on web needs personalization consent in DE, an opt-out stops marketing', () => {
    const catalog = catalogOf([winback])
    const { offers, explanation } = decide(ctx('web'), 1, inputs(catalog, customer([optIn('marketing', 'web')])))
    expect(offers).toEqual([])
    expect(explanation.excluded[0]).toMatchObject({ campaign: 'winback', reason: 'no_consent', detail: 'personalization by web: no opt-in; DE requires one for personalization by web' })
    const optedOut = decide(ctx('call_center'), 1, inputs(catalog, customer([optIn('marketing', 'all', '2026-05-01T00:00:00Z', 'opt_out')])))
    expect(optedOut.offers).toEqual([])
    expect(optedOut.explanation.excluded[0]?.reason).toBe('no_consent')
  })

  it('gives an anonymous visitor only what the jurisdiction allows without consent, and never fails', () => {
    const catalog = catalogOf([{ ...newsletter, channels: ['email', 'in_store'] }])
    expect(decide(ctx('email'), 1, inputs(catalog, anonymousFeatures())).explanation.excluded[0]?.detail).toBe('marketing by email: no opt-in; DE requires one for marketing by email')
    expect(decide(ctx('in_store'), 1, inputs(catalog, anonymousFeatures())).offers.map((o) => o.offer)).toEqual(['news-1'])
  })

  it('repeats an open decision on another channel, with that channel content', () => {
    const catalog = catalogOf([winback, newsletter])
    const past: PastDecision[] = [{ id: 'd1', at: new Date(NOW.getTime() - 3_600_000).toISOString(), channel: 'web', offers: [{ offerId: 'wb-15', campaignId: 'winback' }], outcomes: [], continues: null }]
    const { offers, explanation } = decide(ctx('call_center'), 1, inputs(catalog, customer([]), past))
    expect(offers.map((o) => [o.offer, o.content?.script])).toEqual([['wb-15', 'Offer 15 %']])
    expect(explanation.continues).toBe('d1')
  })

  it('lets the next campaign take over when the response window passes without an answer', () => {
    const catalog = catalogOf([winback, newsletter])
    const past: PastDecision[] = [{ id: 'd1', at: '2026-06-01T12:00:00.000Z', channel: 'call_center', offers: [{ offerId: 'wb-15', campaignId: 'winback' }], outcomes: [], continues: null }]
    const inWindow = decide(ctx('call_center', new Date('2026-06-05T12:00:00Z')), 1, inputs(catalog, customer([]), past))
    expect(inWindow.offers[0]?.offer).toBe('wb-15') // still open: the same offer
    const after = decide(ctx('call_center', new Date('2026-06-09T12:00:00Z')), 1, inputs(catalog, customer([]), past))
    expect(after.offers.map((o) => o.offer)).toEqual(['news-1'])
    expect(after.explanation.excluded).toContainEqual({ campaign: 'winback', reason: 'cooldown', detail: 'after an ignored offer, until 2026-06-28T12:00:00.000Z' })
  })

  it('cools a campaign down after a reject and suppresses an offer ignored twice within 30 days', () => {
    const catalog = catalogOf([{ ...winback, cooldownDays: 1 }, newsletter])
    const rejected: PastDecision = { id: 'd1', at: '2026-06-09T12:00:00.000Z', channel: 'call_center', offers: [{ offerId: 'wb-15', campaignId: 'winback' }], outcomes: [{ offerId: 'wb-15', outcome: 'reject', at: '2026-06-09T12:01:00.000Z' }], continues: null }
    expect(decide(ctx('call_center'), 1, inputs(catalog, customer([]), [rejected])).explanation.excluded).toContainEqual({ campaign: 'winback', reason: 'cooldown', detail: 'after a reject, until 2026-07-09T12:01:00.000Z' })
    const ignored = (id: string, at: string): PastDecision => ({ id, at, channel: 'call_center', offers: [{ offerId: 'wb-15', campaignId: 'winback' }], outcomes: [], continues: null })
    const twice = [ignored('d1', '2026-05-10T12:00:00.000Z'), ignored('d2', '2026-05-20T12:00:00.000Z')]
    expect(decide(ctx('call_center'), 1, inputs(catalog, customer([]), twice)).explanation.excluded).toContainEqual({ campaign: 'winback', offer: 'wb-15', reason: 'suppressed', detail: 'ignored too often; suppressed until 2026-07-26T12:00:00.000Z' })
  })

  it('keeps the results of rules that read no context with the features, and evaluates context rules every time', () => {
    const byDevice = { ...newsletter, id: 'mobile', audience: 'context.device == "phone"', offers: [{ id: 'mobile-1', name: 'App', value: 3 }] }
    const catalog = catalogOf([winback, byDevice])
    const memo = new RuleMemo(catalog.version, catalog.rules)
    const plain = customer(webConsent)
    const phone = { ...ctx('web'), device: 'phone' }
    const first = decide(phone, 3, inputs(catalog, { ...plain, memo }))
    expect(first).toEqual(decide(phone, 3, inputs(catalog, plain)))
    // The audience and value of winback are kept (2 rules); the device rule is not.
    expect(memo.size).toBe(2)
    const desktop = decide({ ...ctx('web'), device: 'desktop' }, 3, inputs(catalog, { ...plain, memo }))
    expect(desktop.offers.map((o) => o.offer)).toEqual(['wb-15'])
    expect(desktop.explanation.excluded).toContainEqual({ campaign: 'mobile', reason: 'not_in_audience', detail: 'audience context.device == "phone" is false' })
    // A memo of another catalog version is not used.
    const stale = new RuleMemo(catalog.version - 1, catalog.rules)
    stale.set(catalog.campaigns[0]!.audience!, { value: false })
    expect(decide(phone, 3, inputs(catalog, { ...plain, memo: stale })).offers.map((o) => o.offer)).toContain('wb-15')
  })

  it('leaves out an offer whose cost no longer fits its campaign budget, and the campaign once none fits', () => {
    const priced = { ...newsletter, id: 'priced', caps: { budget: 10 }, offers: [{ id: 'cheap', name: 'Cheap', value: 20, cost: 1 }, { id: 'dear', name: 'Dear', value: 40, cost: 3 }] }
    const catalog = catalogOf([priced])
    const at = (spent: number) => decide(ctx('call_center'), 2, { ...inputs(catalog, customer(webConsent)), usage: () => ({ total: 0, today: 0, spent }) })
    const some = at(8)
    expect(some.offers.map((o) => o.offer)).toEqual(['cheap'])
    expect(some.explanation.excluded).toEqual([{ campaign: 'priced', offer: 'dear', reason: 'cap_reached', detail: 'campaign budget 10: 2 left, the offer costs 3' }])
    expect(at(9.5).explanation.excluded).toEqual([{ campaign: 'priced', reason: 'cap_reached', detail: "campaign budget 10 spent (9.5, no offer's cost fits the rest)" }])
  })

  it('keeps quiet hours in the customer time zone on outbound channels', () => {
    const catalog = catalogOf([{ ...newsletter, channels: ['email'] }])
    const features = customer([optIn('marketing', 'email'), optIn('personalization', 'email')])
    const late = decide(ctx('email', new Date('2026-06-10T20:30:00Z')), 1, inputs(catalog, features)) // 22:30 in Berlin
    expect(late.explanation.excluded).toEqual([{ campaign: 'news', reason: 'quiet_hours', detail: '22:00 in Europe/Berlin is within quiet hours 21–8' }])
    expect(decide(ctx('email', new Date('2026-06-10T10:00:00Z')), 1, inputs(catalog, features)).offers).toHaveLength(1)
  })

  it('never returns an offer the consent gate or a cap forbids (random catalogs, ledgers and histories)', () => {
    const purpose = fc.constantFrom('marketing', 'personalization', 'profiling')
    // Few channels and histories of 3–6 days (open, no longer held, not yet ignored) most often, so that caps decide often.
    const channel = fc.constantFrom<DecisionChannel>('email', 'web', 'call_center', 'post')
    const campaignArb = fc.record({
      purpose,
      channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 4 }),
      perCustomer: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      total: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      offers: fc.integer({ min: 1, max: 3 }),
      // Rules on the profile and on the context, so the rule memo is exercised both ways.
      audience: fc.option(fc.constantFrom('value.clv > 100.0', 'value.pAlive < 0.3', 'behaviour.orders >= 1', 'traitOr(traits, "plan", "") == "gold"', 'context.channel == "web"', 'context.hour >= 12'), { nil: undefined }),
      eligibility: fc.option(fc.constantFrom('value.clv > 400.0', 'context.channel != "post"', 'behaviour.daysSinceLastOrder < 30.0'), { nil: undefined }),
      valueRule: fc.boolean(),
    })
    const recordArb = fc.record({ purpose, channel: fc.constantFrom(...DECISION_CHANNELS, 'all' as const), state: fc.constantFrom('opt_in' as const, 'opt_out' as const), day: fc.integer({ min: 0, max: 200 }) })
    fc.assert(
      fc.property(
        fc.array(campaignArb, { minLength: 1, maxLength: 8 }),
        fc.array(recordArb, { maxLength: 10 }),
        fc.array(fc.record({ campaign: fc.nat(), channel, daysAgo: fc.oneof(fc.integer({ min: 3, max: 6 }), fc.integer({ min: 0, max: 12 })) }), { maxLength: 8 }),
        fc.record({ channel, known: fc.oneof(fc.constant(true), fc.boolean()), consentsToAll: fc.boolean(), used: fc.integer({ min: 0, max: 4 }) }),
        (campaigns, records, history, req) => {
          const catalog = catalogOf(
            campaigns.map((c, i) => ({
              id: `c${i}`,
              name: `C${i}`,
              status: 'active',
              purpose: c.purpose,
              channels: c.channels,
              caps: { ...(c.perCustomer !== undefined ? { perCustomer: c.perCustomer } : {}), ...(c.total !== undefined ? { total: c.total } : {}) },
              ...(c.audience ? { audience: c.audience } : {}),
              offers: Array.from({ length: c.offers }, (_, j) => ({
                id: `c${i}-o${j}`,
                name: 'o',
                value: c.valueRule && j === 0 ? 'value.clv * 0.01' : 1 + j,
                ...(c.eligibility && j === 0 ? { eligibility: c.eligibility } : {}),
              })),
            })),
            { contactPolicy: { perChannel: { email: { max: 2, days: 7 } }, quietHours: { from: 0, to: 0 } } },
          )
          // Half the customers opted in to everything first (so that caps, not consent, decide more often); random records may override.
          const everything = req.consentsToAll ? ['marketing', 'personalization', 'profiling'].map((p) => optIn(p, 'all', '2025-12-31T00:00:00Z')) : []
          const ledger = [...everything, ...records.map((r, k) => ({ ...optIn(r.purpose, r.channel, new Date(Date.parse('2026-01-01T00:00:00Z') + r.day * DAY).toISOString(), r.state), id: k + 10 }))]
          const features = req.known ? customer(ledger) : anonymousFeatures()
          const past: PastDecision[] = history.map((h, k) => {
            const c = catalog.campaigns[h.campaign % catalog.campaigns.length]!
            return { id: `d${k}`, at: new Date(NOW.getTime() - h.daysAgo * DAY - 1000).toISOString(), channel: h.channel, offers: [{ offerId: c.offers[0]!.id, campaignId: c.id }], outcomes: [], continues: null }
          })
          const decision = decide(ctx(req.channel), 3, { ...inputs(catalog, features, req.known ? past : []), usage: () => ({ total: req.used, today: req.used }) })
          // The feature view's rule memo changes nothing: filled by one decision, read by the next.
          const memo = new RuleMemo(catalog.version, catalog.rules)
          for (let pass = 0; pass < 2; pass++) {
            expect(decide(ctx(req.channel), 3, { ...inputs(catalog, { ...features, memo }, req.known ? past : []), usage: () => ({ total: req.used, today: req.used }) })).toEqual(decision)
          }
          for (const o of decision.offers) {
            const c = catalog.campaigns.find((x) => x.id === o.campaign)!
            for (const p of req.known && c.purpose !== 'personalization' ? [c.purpose, 'personalization'] : [c.purpose]) {
              expect(mayContact(features.ledger, p, req.channel, NOW.toISOString(), policy).allowed).toBe(true)
            }
            if (c.caps.total !== undefined) expect(req.used).toBeLessThan(c.caps.total)
            if (decision.explanation.continues === null && req.known) {
              if (c.caps.perCustomer !== undefined) expect(past.filter((d) => d.offers[0]!.campaignId === c.id).length).toBeLessThan(c.caps.perCustomer)
              if (req.channel === 'email') expect(past.filter((d) => d.channel === 'email' && Date.parse(d.at) > NOW.getTime() - 7 * DAY).length).toBeLessThan(2)
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
