import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DECISION_CHANNELS } from '../src/decide/catalog-schema.js'
import { testApp, type TestApp } from './helpers/app.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres, type StoreKind } from './helpers/stores.js'

const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`
const kinds: [StoreKind, number][] = [['sqlite', 25]]
if (!pgMissing || POSTGRES_REQUIRED) kinds.push(['postgres', 12])

/**
 * Through the whole path — catalog apply, consent recorded on the store, earlier decisions stored,
 * the service deciding, campaign volume reserved — no decision ever holds an offer that the consent
 * gate or a cap forbids, on either store (issue 11, point 3).
 */
describe.each(kinds)('no forbidden offer on %s', (kind, numRuns) => {
  let t: TestApp
  let now = new Date('2026-06-10T10:00:00Z')
  beforeAll(async () => {
    if (kind === 'postgres' && pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    t = await testApp({ store: kind, now: () => now })
  })
  afterAll(async () => {
    await t?.close()
  })

  const channel = fc.constantFrom('email', 'web', 'call_center', 'in_store', 'post')
  const purpose = fc.constantFrom('marketing', 'personalization')
  const campaign = fc.record({ purpose, channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 3 }), perCustomer: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), total: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) })
  const change = fc.record({ purpose, channel: fc.constantFrom<string>(...DECISION_CHANNELS, 'all'), state: fc.constantFrom('opt_in', 'opt_out'), day: fc.integer({ min: 1, max: 28 }) })
  let run = 0

  it('checks every offer of every decision against the consent gate and the caps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(campaign, { minLength: 1, maxLength: 5 }), fc.array(change, { maxLength: 6 }), fc.array(channel, { minLength: 1, maxLength: 6 }), async (campaigns, changes, requests) => {
        run++
        now = new Date('2026-06-10T10:00:00Z')
        const catalog = {
          campaigns: campaigns.map((c, i) => ({
            id: `r${run}-c${i}`,
            name: `C${i}`,
            status: 'active',
            purpose: c.purpose,
            channels: c.channels,
            caps: { ...(c.perCustomer !== undefined ? { perCustomer: c.perCustomer } : {}), ...(c.total !== undefined ? { total: c.total } : {}) },
            responseWindowDays: 30,
            offers: [{ id: `r${run}-c${i}-o`, name: 'o', value: 1 + i }],
          })),
          contactPolicy: { quietHours: { from: 0, to: 0 }, holdHours: 1 },
        }
        await t.decide.apply(catalog, 'property')
        const userId = `prop-${kind}-${run}`
        await t.collector.collect([{ raw: { type: 'identify', userId, messageId: `m-${userId}`, timestamp: '2026-05-01T00:00:00Z', traits: { email: `${userId}@example.com` } }, path: '' }], 'web')
        const profileId = (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
        const evidence = { type: 'double_opt_in', reference: 'property' }
        await t.consent.record(
          profileId,
          changes.map((c) => ({ purpose: c.purpose, channel: c.channel as 'all', state: c.state as 'opt_in', legalBasis: 'consent', source: 'property', occurredAt: `2026-05-${String(c.day).padStart(2, '0')}T00:00:00.000Z`, evidence, messageId: null })),
        )
        for (const [k, ch] of requests.entries()) {
          now = new Date(Date.parse('2026-06-10T10:00:00Z') + k * 2 * 3_600_000) // 2 h apart: past the hold, within the response window
          const d = await t.decide.decide({ profileId, channel: ch })
          for (const offer of d.offers) {
            const c = t.decide.catalog!.campaigns.find((x) => x.id === offer.campaign)!
            for (const p of c.purpose === 'personalization' ? [c.purpose] : [c.purpose, 'personalization']) {
              const verdict = await t.consent.mayContact(profileId, p, ch, now.toISOString())
              expect(verdict.allowed, `${offer.offer} by ${ch} needs ${p}: ${verdict.reason}`).toBe(true)
            }
            const usage = (await t.store.decisions.campaignUsage(now.toISOString().slice(0, 10))).get(c.id)
            if (c.caps.total !== undefined) expect(usage!.total).toBeLessThanOrEqual(c.caps.total)
            if (c.caps.perCustomer !== undefined && d.continues === null) {
              const mine = (await t.store.decisions.decisionsOf(profileId, { limit: 100 })).filter((x) => x.continues === null && (x.offers as { campaign: string }[]).some((o) => o.campaign === c.id))
              expect(mine.length).toBeLessThanOrEqual(c.caps.perCustomer)
            }
          }
        }
      }),
      { numRuns },
    )
  })
})
