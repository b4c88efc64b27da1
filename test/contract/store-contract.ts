import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Collector, RawItem } from '../../src/collect/collector.js'
import type { Store } from '../../src/store/store.js'
import { mintKey } from '../../src/core/api-key.js'
import { hashSecret } from '../../src/core/ids.js'
import { ConsentService } from '../../src/consent/consent-service.js'
import { allRows, collectorFor, freshStore, TEST_POLICY, type StoreKind } from '../helpers/stores.js'

const items = (...raws: Record<string, unknown>[]): RawItem[] => raws.map((raw, i) => ({ raw, path: `batch[${i}]` }))

/** The one store suite; sqlite.test.ts and postgres.test.ts run it against each adapter. */
export function storeContract(kind: StoreKind): void {
  let store: Store
  let collector: Collector

  beforeEach(async () => {
    store = await freshStore(kind)
    collector = collectorFor(store)
  })
  afterEach(async () => {
    await store.close()
  })

  describe('sources', () => {
    it('creates and lists sources; keys are found by hash only and can be revoked', async () => {
      await store.access.createSource('web', '2024-01-01T00:00:00.000Z')
      await store.access.createSource('crm', '2024-01-02T00:00:00.000Z')
      expect(await store.access.listSources()).toEqual([{ name: 'crm', createdAt: '2024-01-02T00:00:00.000Z' }, { name: 'web', createdAt: '2024-01-01T00:00:00.000Z' }])
      const { secret, key } = mintKey('source', 'web', 'web', '2024-01-03T00:00:00.000Z')
      await store.access.putApiKey(key)
      expect(await store.access.findApiKeyByHash(hashSecret(secret))).toEqual(key)
      expect(await store.access.findApiKeyByHash(secret)).toBeNull()
      expect(JSON.stringify(await store.dumpTables())).not.toContain(secret)
      expect(await store.access.revokeApiKey(key.id, '2024-01-04T00:00:00.000Z')).toBe(true)
      expect((await store.access.findApiKeyByHash(hashSecret(secret)))?.revokedAt).toBe('2024-01-04T00:00:00.000Z')
      expect(await store.access.revokeApiKey('key_nope', '2024-01-04T00:00:00.000Z')).toBe(false)
    })
  })

  describe('profiles', () => {
    it('pages the live profiles, and those that hold an identifier of a kind, through merges', async () => {
      await collector.collect(
        items(
          { type: 'identify', userId: 'lw-1', messageId: 'lw1', timestamp: '2024-01-01T10:00:00Z', traits: { email: 'lw1@example.com' } },
          { type: 'identify', userId: 'lw-2', messageId: 'lw2', timestamp: '2024-01-01T10:00:00Z' },
          { type: 'page', anonymousId: 'lw-a', messageId: 'lw3', timestamp: '2024-01-01T10:00:00Z' },
          { type: 'identify', userId: 'lw-3', messageId: 'lw4', timestamp: '2024-01-01T10:00:00Z', traits: { email: 'lw3@example.com' } },
        ),
        'web',
      )
      // The anonymous visitor turns out to be lw-2: its profile merges away.
      await collector.collect(items({ type: 'identify', userId: 'lw-2', anonymousId: 'lw-a', messageId: 'lw5', timestamp: '2024-01-02T10:00:00Z' }), 'web')
      const idOf = async (key: string) => (await store.profiles.idOfIdentifier(key))!
      const live = [await idOf('userId:lw-1'), await idOf('userId:lw-2'), await idOf('userId:lw-3')].sort()
      const all = async (page: (after: string | null) => Promise<string[]>) => {
        const out: string[] = []
        for (let ids = await page(null); ids.length > 0; ids = await page(ids.at(-1)!)) out.push(...ids)
        return out
      }
      expect(await all((after) => store.profiles.liveIds(after, 2))).toEqual(live)
      expect(await all((after) => store.profiles.liveIdsWith('email', after, 1))).toEqual([await idOf('email:lw1@example.com'), await idOf('email:lw3@example.com')].sort())
      expect(await all((after) => store.profiles.liveIdsWith('anonymousId', after, 5))).toEqual([await idOf('userId:lw-2')])
    })

    it('builds one profile from every channel: traits by event time with source, identifiers, counts and orders', async () => {
      await collector.collect(
        items(
          { type: 'page', anonymousId: 'a1', messageId: 'm1', timestamp: '2024-01-01T10:00:00Z', name: 'Home' },
          { type: 'identify', anonymousId: 'a1', userId: 'u1', messageId: 'm2', timestamp: '2024-01-02T10:00:00Z', traits: { email: 'Ada@Example.com', name: 'Ada Lovelace', plan: 'free' } },
          { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm3', timestamp: '2024-01-03T10:00:00Z', properties: { order_id: 'o1', revenue: 30.5, currency: 'EUR' } },
          { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm4', timestamp: '2024-01-04T10:00:00Z', properties: { order_id: 'o2', total: 9.5 } },
        ),
        'web',
      )
      // The CRM's older plan arrives later but is older by event time: the web's newer value stays.
      await collector.collect(items({ type: 'identify', userId: 'u1', messageId: 'm5', timestamp: '2023-12-01T00:00:00Z', traits: { plan: 'legacy', phone: '030 1234567' } }), 'crm')
      const id = await store.profiles.idOfIdentifier('email:ada@example.com')
      const profile = await store.profiles.get(id!)
      expect(profile).toMatchObject({
        id,
        identifiers: [
          { kind: 'anonymousId', value: 'a1' },
          { kind: 'email', value: 'ada@example.com' },
          { kind: 'phone', value: '+49301234567' },
          { kind: 'userId', value: 'u1' },
        ],
        firstSeen: '2023-12-01T00:00:00.000Z',
        lastSeen: '2024-01-04T10:00:00.000Z',
        eventCount: 5,
        eventsByType: { page: 1, identify: 2, track: 2 },
        eventsByChannel: { web: 4, crm: 1 },
        orders: { count: 2, revenueByCurrency: { EUR: 40 } },
      })
      expect(profile!.traits.plan).toEqual({ value: 'free', at: '2024-01-02T10:00:00.000Z', source: 'web' })
      expect(profile!.traits.phone).toEqual({ value: '030 1234567', at: '2023-12-01T00:00:00.000Z', source: 'crm' })
    })

    it('stores a duplicate messageId once', async () => {
      const event = { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'dup-1', timestamp: '2024-01-01T00:00:00Z' }
      const first = await collector.collect(items(event, event), 'web')
      const second = await collector.collect(items(event), 'web')
      expect(first.map((r) => r.status)).toEqual(['stored', 'duplicate'])
      expect(second.map((r) => r.status)).toEqual(['duplicate'])
      expect((await store.events.counts()).events).toBe(1)
    })

    it('merges two profiles when an event links them, records the merge, and leads the old id to the survivor', async () => {
      await collector.collect(items({ type: 'page', anonymousId: 'a1', messageId: 'p1', timestamp: '2024-01-01T00:00:00Z' }), 'web')
      await collector.collect(items({ type: 'track', userId: 'u1', event: 'Called', messageId: 't1', timestamp: '2024-01-02T00:00:00Z' }), 'call_center')
      const anonProfile = (await store.profiles.idOfIdentifier('anonymousId:a1'))!
      const userProfile = (await store.profiles.idOfIdentifier('userId:u1'))!
      expect(anonProfile).not.toBe(userProfile)
      await collector.collect(items({ type: 'identify', anonymousId: 'a1', userId: 'u1', messageId: 'i1', timestamp: '2024-01-03T00:00:00Z' }), 'web')
      const survivor = (await store.profiles.idOfIdentifier('userId:u1'))!
      expect(await store.profiles.idOfIdentifier('anonymousId:a1')).toBe(survivor)
      const mergedAway = survivor === anonProfile ? userProfile : anonProfile
      expect(await store.profiles.resolve(mergedAway)).toBe(survivor)
      const profile = await store.profiles.get(mergedAway)
      expect(profile!.id).toBe(survivor)
      expect(profile!.eventCount).toBe(3)
      expect(profile!.mergedFrom).toEqual([mergedAway])
      expect(await store.profiles.mergesInto(survivor)).toEqual([{ fromProfile: mergedAway, intoProfile: survivor, messageId: 'i1', at: expect.any(String) }])
    })

    it('records no merge for profiles that a batch only touches (regression: merges outside the recomputed part)', async () => {
      await collector.collect(items({ type: 'track', userId: 'bystander', event: 'Seen', messageId: 'b-0', timestamp: '2024-01-01T00:00:00Z' }), 'web')
      await collector.collect(
        items(
          { type: 'track', userId: 'bystander', event: 'Seen again', messageId: 'b-1', timestamp: '2024-01-02T00:00:00Z' },
          { type: 'identify', anonymousId: 'fresh-a', userId: 'fresh-u', messageId: 'b-2', timestamp: '2024-01-02T00:00:00Z' },
        ),
        'web',
      )
      const bystander = (await store.profiles.idOfIdentifier('userId:bystander'))!
      expect(await store.profiles.resolve(bystander)).toBe(bystander)
      expect((await store.profiles.get(bystander))!.eventCount).toBe(2)
      expect(await store.profiles.mergesInto((await store.profiles.idOfIdentifier('userId:fresh-u'))!)).toEqual([])
    })

    it('never merges two different userIds; records the conflict instead', async () => {
      await collector.collect(
        items(
          { type: 'identify', anonymousId: 'shared-device', userId: 'alice', messageId: 'c1', timestamp: '2024-01-01T00:00:00Z' },
          { type: 'identify', anonymousId: 'shared-device', userId: 'bob', messageId: 'c2', timestamp: '2024-01-02T00:00:00Z' },
        ),
        'web',
      )
      const alice = await store.profiles.idOfIdentifier('userId:alice')
      const bob = await store.profiles.idOfIdentifier('userId:bob')
      expect(alice).not.toBe(bob)
      expect(await store.profiles.idOfIdentifier('anonymousId:shared-device')).toBe(alice)
      expect(await store.profiles.conflicts(10)).toEqual([
        { messageId: 'c2', a: 'anonymousId:shared-device', b: 'userId:bob', kind: 'userId', reason: 'two-user-ids', at: expect.any(String) },
      ])
      // bob's own event is still his, even though its device belongs to alice
      expect((await store.profiles.get(bob!))!.eventCount).toBe(1)
    })

    it('re-decides a conflict when an earlier link arrives late', async () => {
      await collector.collect(items({ type: 'identify', anonymousId: 'dev', userId: 'bob', messageId: 'late-2', timestamp: '2024-01-02T00:00:00Z' }), 'web')
      await collector.collect(items({ type: 'identify', anonymousId: 'dev', userId: 'alice', messageId: 'late-1', timestamp: '2024-01-01T00:00:00Z' }), 'web')
      const alice = await store.profiles.idOfIdentifier('userId:alice')
      expect(await store.profiles.idOfIdentifier('anonymousId:dev')).toBe(alice)
      const bob = (await store.profiles.idOfIdentifier('userId:bob'))!
      expect(bob).not.toBe(alice)
      const timeline = await store.events.timeline(bob, { limit: 10 })
      expect(timeline.items.map((e) => e.messageId)).toEqual(['late-2'])
    })

    it('pages the timeline newest first', async () => {
      const raws = Array.from({ length: 5 }, (_, i) => ({ type: 'track', userId: 'u9', event: `E${i}`, messageId: `tl-${i}`, timestamp: `2024-01-0${i + 1}T00:00:00Z` }))
      await collector.collect(items(...raws), 'web')
      const id = (await store.profiles.idOfIdentifier('userId:u9'))!
      const page1 = await store.events.timeline(id, { limit: 2 })
      expect(page1.items.map((e) => e.messageId)).toEqual(['tl-4', 'tl-3'])
      const page2 = await store.events.timeline(id, { limit: 2, cursor: page1.nextCursor! })
      expect(page2.items.map((e) => e.messageId)).toEqual(['tl-2', 'tl-1'])
      const page3 = await store.events.timeline(id, { limit: 2, cursor: page2.nextCursor! })
      expect(page3.items.map((e) => e.messageId)).toEqual(['tl-0'])
      expect(page3.nextCursor).toBeNull()
      expect(page1.items[0]!.payload.properties).toEqual({})
    })

    it('finds profiles by name or email prefix', async () => {
      await collector.collect(
        items(
          { type: 'identify', userId: 'g1', messageId: 's1', traits: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.mil' } },
          { type: 'identify', userId: 'g2', messageId: 's2', traits: { name: 'Alan Turing', email: 'alan@bletchley.uk' } },
          { type: 'identify', userId: 'g3', messageId: 's3', traits: { name: 'Jörg Müller', email: 'j_mueller@example.de' } },
        ),
        'crm',
      )
      expect((await store.profiles.search('hop', 10)).map((p) => p.name)).toEqual(['Grace Hopper'])
      expect((await store.profiles.search('ALAN@', 10)).map((p) => p.email)).toEqual(['alan@bletchley.uk'])
      expect(await store.profiles.search('zzz', 10)).toEqual([])
      // Whole words and non-ASCII prefixes match; `_` and `%` are characters, not wildcards.
      expect((await store.profiles.search('hopper', 10)).map((p) => p.name)).toEqual(['Grace Hopper'])
      expect((await store.profiles.search('MÜL', 10)).map((p) => p.name)).toEqual(['Jörg Müller'])
      expect((await store.profiles.search('j_m', 10)).map((p) => p.email)).toEqual(['j_mueller@example.de'])
      expect(await store.profiles.search('g%', 10)).toEqual([])
      expect(await store.profiles.search('a_an', 10)).toEqual([])
    })
  })

  describe('orders and computed values', () => {
    it('lists orders by their current profile and keeps computed values shown in the profile', async () => {
      await collector.collect(
        items(
          { type: 'track', userId: 'v1', event: 'Order Completed', messageId: 'o1', timestamp: '2024-01-01T00:00:00Z', properties: { revenue: 10, currency: 'EUR' } },
          { type: 'track', userId: 'v1', event: 'Order Completed', messageId: 'o2', timestamp: '2024-02-01T00:00:00Z', properties: { revenue: 20.5, currency: 'EUR', products: [{ sku: 'A', cost: 4, quantity: 2 }, { sku: 'B', cost: 3.5 }] } },
          { type: 'track', userId: 'v1', event: 'Product Viewed', messageId: 'o3', timestamp: '2024-02-02T00:00:00Z' },
        ),
        'shop',
      )
      const id = (await store.profiles.idOfIdentifier('userId:v1'))!
      expect(await allRows(store.journeys.orderPages())).toEqual([
        { profileId: id, timestamp: '2024-01-01T00:00:00.000Z', revenue: 10, cost: null, currency: 'EUR' },
        { profileId: id, timestamp: '2024-02-01T00:00:00.000Z', revenue: 20.5, cost: 11.5, currency: 'EUR' },
      ])
      const run = (computedAt: string, data: Record<string, unknown>) => store.values.putRun({ computedAt, data: {} }, [[{ profileId: id, kind: 'value', computedAt, data }]])
      await run('2024-03-01T00:00:00.000Z', { clv: 12.5, probabilityAlive: 0.8 })
      await run('2024-03-02T00:00:00.000Z', { clv: 13, probabilityAlive: 0.7 })
      expect((await store.profiles.get(id))!.computed).toEqual({ value: { computedAt: '2024-03-02T00:00:00.000Z', clv: 13, probabilityAlive: 0.7 } })
      expect(await store.values.ofKind('value')).toHaveLength(1)
    })
  })

  describe('journey events', () => {
    it('lists page, screen and track events by profile and time with their campaign and referrer', async () => {
      await collector.collect(
        items(
          { type: 'page', anonymousId: 'j1', messageId: 'j-1', timestamp: '2024-01-02T00:00:00Z', context: { campaign: { source: 'google', medium: 'cpc', name: 'brand' }, page: { referrer: 'https://www.google.de/' } } },
          { type: 'identify', anonymousId: 'j1', userId: 'ju', messageId: 'j-2', timestamp: '2024-01-02T00:01:00Z' },
          { type: 'track', userId: 'ju', event: 'Order Completed', messageId: 'j-3', timestamp: '2024-01-03T00:00:00Z', properties: { revenue: 50 } },
        ),
        'web',
      )
      const id = (await store.profiles.idOfIdentifier('userId:ju'))!
      expect(await allRows(store.journeys.eventPages({ from: '2024-01-01T00:00:00.000Z' }))).toEqual([
        { profileId: id, timestamp: '2024-01-02T00:00:00.000Z', type: 'page', event: null, channel: 'web', revenue: null, utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'brand', referrer: 'https://www.google.de/' },
        { profileId: id, timestamp: '2024-01-03T00:00:00.000Z', type: 'track', event: 'Order Completed', channel: 'web', revenue: 50 },
      ])
      expect(await allRows(store.journeys.eventPages({ to: '2024-01-03T00:00:00.000Z' }))).toHaveLength(1)
    })

    it('pages through events that share a profile, a time and a message id without skipping or repeating one', async () => {
      const at = '2024-05-01T00:00:00Z'
      for (const source of ['web', 'app']) {
        await collector.collect(
          items(
            { type: 'page', userId: 'pg', messageId: 'same', timestamp: at },
            { type: 'track', userId: 'pg', event: 'Order Completed', messageId: 'o-same', timestamp: at, properties: { revenue: source === 'web' ? 1 : 2 } },
            { type: 'page', userId: 'pg2', messageId: 'other', timestamp: at },
          ),
          source,
        )
      }
      const whole = await allRows(store.journeys.eventPages({}))
      expect(whole).toHaveLength(6)
      for (const pageRows of [1, 2, 5]) {
        expect(await allRows(store.journeys.eventPages({ pageRows }))).toEqual(whole)
        expect((await allRows(store.journeys.orderPages({ pageRows }))).map((o) => o.revenue).sort()).toEqual([1, 2])
      }
    })

    it('keeps the current value run when a new one fails halfway, and makes the new one current at once when it completes', async () => {
      await collector.collect(items({ type: 'identify', userId: 'vr', messageId: 'vr-1', timestamp: '2024-01-01T00:00:00Z' }), 'web')
      const id = (await store.profiles.idOfIdentifier('userId:vr'))!
      const value = (computedAt: string, clv: number) => ({ profileId: id, kind: 'value', computedAt, data: { clv } })
      await store.values.putRun({ computedAt: '2024-02-01T00:00:00.000Z', data: { run: 1 } }, [[value('2024-02-01T00:00:00.000Z', 1)]])
      function* failing() {
        yield [value('2024-03-01T00:00:00.000Z', 2)]
        throw new Error('the refresh died here')
      }
      await expect(store.values.putRun({ computedAt: '2024-03-01T00:00:00.000Z', data: { run: 2 } }, failing())).rejects.toThrow('the refresh died here')
      expect(await store.values.of(id)).toEqual([value('2024-02-01T00:00:00.000Z', 1)])
      expect(await store.values.latestRun()).toEqual({ computedAt: '2024-02-01T00:00:00.000Z', data: { run: 1 } })
      await store.values.putRun({ computedAt: '2024-04-01T00:00:00.000Z', data: { run: 3 } }, [[value('2024-04-01T00:00:00.000Z', 3)]])
      expect(await store.values.ofKind('value')).toEqual([value('2024-04-01T00:00:00.000Z', 3)])
      // The failed run's and the replaced run's rows are gone, not only hidden.
      expect(JSON.parse((await store.dumpTables()).computed_values!)).toHaveLength(1)
    })
  })

  /** The running counts (event_counts, counters) against the rows themselves. */
  async function expectCountsMatchRows() {
    const tables = await store.dumpTables()
    const events = JSON.parse(tables.events!) as { ts: string; source: string; channel: string; type: string }[]
    const profiles = JSON.parse(tables.profiles!) as { merged_into: string | null }[]
    const counts = await store.events.counts()
    expect(counts.events).toBe(events.length)
    expect(counts.profiles).toBe(profiles.filter((p) => p.merged_into === null).length)
    const byDay = new Map<string, number>()
    for (const e of events) byDay.set(JSON.stringify([e.ts.slice(0, 10), e.source, e.channel, e.type]), (byDay.get(JSON.stringify([e.ts.slice(0, 10), e.source, e.channel, e.type])) ?? 0) + 1)
    expect(new Map((await store.events.countsByDay({})).map((c) => [JSON.stringify([c.day, c.source, c.channel, c.type]), c.events]))).toEqual(byDay)
  }

  describe('running counts', () => {
    it('count every stored event by day, source, channel and type and every live profile, through duplicates and merges', async () => {
      const batch = items(
        { type: 'page', anonymousId: 'rc-a', messageId: 'rc-1', timestamp: '2024-06-01T10:00:00Z' },
        { type: 'page', anonymousId: 'rc-a', messageId: 'rc-2', timestamp: '2024-06-02T10:00:00Z' },
        { type: 'track', userId: 'rc-u', event: 'Order Completed', messageId: 'rc-3', timestamp: '2024-06-02T11:00:00Z', properties: { revenue: 5 } },
      )
      await collector.collect(batch, 'web')
      await collector.collect(batch, 'web') // duplicates: stored once, counted once
      await collector.collect(items({ type: 'screen', anonymousId: 'rc-a', messageId: 'rc-1', timestamp: '2024-06-02T12:00:00Z' }), 'app')
      expect(await store.events.counts()).toMatchObject({ events: 4, profiles: 2 })
      // The anonymous visitor turns out to be the buyer: two profiles become one.
      await collector.collect(items({ type: 'identify', anonymousId: 'rc-a', userId: 'rc-u', messageId: 'rc-4', timestamp: '2024-06-03T10:00:00Z' }), 'web')
      expect(await store.events.counts()).toMatchObject({ events: 5, profiles: 1 })
      expect(await store.events.countsByDay({ from: '2024-06-02', to: '2024-06-03' })).toEqual([
        { day: '2024-06-02', source: 'app', channel: 'app', type: 'screen', events: 1 },
        { day: '2024-06-02', source: 'web', channel: 'web', type: 'page', events: 1 },
        { day: '2024-06-02', source: 'web', channel: 'web', type: 'track', events: 1 },
      ])
      await expectCountsMatchRows()
    })
  })

  describe('quarantine', () => {
    it('keeps rejected events with their reason and raw payload, and stores the valid ones of the batch', async () => {
      const results = await collector.collect(
        items(
          { type: 'track', userId: 'u1', event: 'Ok', messageId: 'q1' },
          { type: 'track', userId: 'u1', event: 'Bad', messageId: 'q2', timestamp: 'yesterday' },
        ),
        'web',
      )
      expect(results).toEqual([
        { status: 'stored', messageId: 'q1', warnings: [] },
        { status: 'rejected', messageId: 'q2', reason: 'batch[1].timestamp must be ISO-8601, got "yesterday"' },
      ])
      const page = await store.events.quarantine({ limit: 10 })
      expect(page.items).toEqual([
        {
          id: expect.any(Number),
          source: 'web',
          receivedAt: expect.any(String),
          messageId: 'q2',
          reason: 'batch[1].timestamp must be ISO-8601, got "yesterday"',
          severity: 'rejected',
          raw: { type: 'track', userId: 'u1', event: 'Bad', messageId: 'q2', timestamp: 'yesterday' },
        },
      ])
      expect(await store.events.counts()).toEqual({ events: 1, profiles: 1, quarantined: 1, warnings: 0 })
    })
  })

  describe('consent and privacy', () => {
    const doi = { state: 'opt_in', evidence: { type: 'double_opt_in' } }

    it('keeps consent from events with the identifier that decided it, so a merge takes it along', async () => {
      const consent = new ConsentService(store, TEST_POLICY)
      await collector.collect(
        items(
          { type: 'identify', anonymousId: 'a9', messageId: 'c1', timestamp: '2026-01-01T00:00:00Z', traits: { email: 'kim@example.com' }, context: { consent: { marketing: { email: doi } } } },
          { type: 'track', userId: 'u9', event: 'Email Unsubscribed', messageId: 'c2', timestamp: '2026-02-01T00:00:00Z' },
        ),
        'web',
      )
      const anon = (await store.profiles.idOfIdentifier('anonymousId:a9'))!
      expect((await consent.mayContact(anon, 'marketing', 'email')).allowed).toBe(true)
      // u9 is another profile until an identify links it: then the later unsubscribe holds for the merged person.
      await collector.collect(items({ type: 'identify', anonymousId: 'a9', userId: 'u9', messageId: 'c3', timestamp: '2026-01-15T00:00:00Z' }), 'web')
      const merged = (await store.profiles.idOfIdentifier('userId:u9'))!
      expect(await store.profiles.idOfIdentifier('anonymousId:a9')).toBe(merged)
      const verdict = await consent.mayContact(merged, 'marketing', 'email')
      expect(verdict).toMatchObject({ allowed: false, state: 'opt_out' })
      expect((await store.consent.recordsOf(merged)).map((r) => [r.state, r.occurredAt, r.messageId])).toEqual([
        ['opt_in', '2026-01-01T00:00:00.000Z', 'c1'],
        ['opt_out', '2026-02-01T00:00:00.000Z', 'c2'],
      ])
    })

    it('erases a person from every table, keeps only salted hashes, and a re-import comes back without marketing consent', async () => {
      const consent = new ConsentService(store, TEST_POLICY)
      const person = { email: 'erase.me@example.com', phone: '+4915111122233', userId: 'gone-1', anonymousId: 'anon-gone-1', crm: 'CRM-GONE-1' }
      await collector.collect(
        items(
          { type: 'page', anonymousId: person.anonymousId, messageId: 'e1', timestamp: '2026-01-01T00:00:00Z', name: 'Home' },
          {
            type: 'identify', anonymousId: person.anonymousId, userId: person.userId, messageId: 'e2', timestamp: '2026-01-02T00:00:00Z',
            traits: { email: person.email, phone: person.phone, crm_id: person.crm, name: 'Erika Gone' }, context: { consent: { marketing: { email: doi } } },
          },
          { type: 'track', userId: person.userId, event: 'Order Completed', messageId: 'e3', timestamp: '2026-01-03T00:00:00Z', properties: { revenue: 10 } },
          { type: 'track', userId: person.userId, event: 'Bad', messageId: 'e4', timestamp: 'never', properties: { note: person.email } },
          { type: 'identify', userId: 'other-1', messageId: 'o1', timestamp: '2026-01-02T00:00:00Z', traits: { email: 'stays@example.com' } },
        ),
        'web',
      )
      // A second profile that merged into the person's (its anonymous id linked later) goes too.
      await collector.collect(items({ type: 'alias', previousId: 'anon-gone-2', userId: person.userId, messageId: 'e5', timestamp: '2026-01-04T00:00:00Z' }), 'web')
      const id = (await store.profiles.idOfIdentifier(`userId:${person.userId}`))!
      await store.values.putRun({ computedAt: '2026-01-05T00:00:00.000Z', data: {} }, [[{ profileId: id, kind: 'value', computedAt: '2026-01-05T00:00:00.000Z', data: { clv: 12 } }]])
      expect(JSON.stringify(await store.dumpTables())).toContain(person.email)

      const erasedAt = '2026-03-01T00:00:00.000Z'
      const suppressions = (await consent.suppressionHashes(await store.profiles.identifiersOf(id))).map((s) => ({ ...s, erasedAt }))
      const report = await store.write((tx) => tx.eraseProfile(id, suppressions))
      expect(report).toMatchObject({ events: 4, identifiers: 6, consent_records: 1, computed_values: 1, quarantine: 1 })

      const tables = await store.dumpTables()
      for (const [table, rows] of Object.entries(tables)) {
        // The audit log keeps the pseudonymous profile id of what happened (with no identifier); nothing else does.
        for (const value of [...Object.values(person), 'anon-gone-2', 'Erika', ...(table === 'audit_log' ? [] : [id])]) {
          expect(rows.includes(value), `${table} still holds ${value}`).toBe(false)
        }
      }
      expect(tables.identifiers).toContain('stays@example.com')
      expect(await store.profiles.get(id)).toBeNull()
      await expectCountsMatchRows()

      // The same email comes back from an old CRM export, with its old opt-in: no marketing.
      await collector.collect(
        items({ type: 'identify', userId: 'crm-77', messageId: 'r1', timestamp: '2025-12-01T00:00:00Z', traits: { email: person.email }, context: { consent: { marketing: { email: doi } } } }),
        'crm',
      )
      const back = (await store.profiles.idOfIdentifier(`email:${person.email}`))!
      expect(await consent.mayContact(back, 'marketing', 'email')).toMatchObject({ allowed: false, reason: 'erased earlier; no fresh consent since' })
      expect((await consent.mayContact(back, 'marketing', 'post')).allowed).toBe(false)
      // With fresh consent, given after the erasure, it may be contacted again.
      await collector.collect(
        items({ type: 'identify', userId: 'crm-77', messageId: 'r2', timestamp: '2026-04-01T00:00:00Z', context: { consent: { marketing: { email: doi } } } }),
        'crm',
      )
      expect((await consent.mayContact(back, 'marketing', 'email')).allowed).toBe(true)
    })

    it('appends audit lines and pages them newest first, per profile', async () => {
      const entry = (i: number, profileId: string | null) => ({
        at: `2026-01-0${i}T00:00:00.000Z`, keyId: 'key_1', actor: 'agent A', role: 'agent', action: 'profile.read', profileId, purpose: 'customer_service', detail: { i },
      })
      await store.write((tx) => tx.appendAudit([entry(1, 'p1'), entry(2, 'p2'), entry(3, 'p1')]))
      const page = await store.access.listAudit({ limit: 1, profileId: 'p1' })
      expect(page.items).toEqual([{ id: expect.any(Number), ...entry(3, 'p1') }])
      const next = await store.access.listAudit({ limit: 5, profileId: 'p1', cursor: page.nextCursor! })
      expect(next).toEqual({ items: [{ id: expect.any(Number), ...entry(1, 'p1') }], nextCursor: null })
    })
  })
}
