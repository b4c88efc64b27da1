import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Collector } from '../src/collect/collector.js'
import { importFile } from '../src/importers/import-file.js'
import type { Store } from '../src/store/store.js'
import { ConsentService } from '../src/consent/consent-service.js'
import { collectorFor, freshStore, TEST_POLICY } from './helpers/stores.js'
import { CDNOW_IMPORT } from './helpers/cdnow.js'

let store: Store
let collector: Collector
beforeEach(async () => {
  store = await freshStore('sqlite')
  collector = collectorFor(store)
})
afterEach(async () => {
  await store.close()
})


describe('import', () => {
  it('imports the CDNOW transactions as orders: 6,919 orders of 2,357 customers, $244,091.94 in all', async () => {
    const summary = await importFile(collector, 'data/cdnow/CDNOW_sample.txt', CDNOW_IMPORT)
    expect(summary).toEqual({ file: 'data/cdnow/CDNOW_sample.txt', kind: 'orders', source: 'import', rows: 6919, stored: 6919, duplicates: 0, rejected: 0, rejections: [], warned: 0, warnings: [] })
    expect(await store.events.counts()).toEqual({ events: 6919, profiles: 2357, quarantined: 0, warnings: 0 })
    // Customer 0001 (the first rows of the file): 4 orders, the first on 1997-01-01.
    const first = (await store.profiles.get((await store.profiles.idOfIdentifier('userId:0001'))!))!
    expect(first.orders.count).toBe(4)
    expect(first.firstSeen).toBe('1997-01-01T00:00:00.000Z')
    let total = 0
    const ids = new Set((await store.profiles.identifiers()).map((r) => r.profileId))
    for (const id of ids) total += (await store.profiles.get(id))!.orders.revenueByCurrency.USD ?? 0
    expect(Math.round(total * 100) / 100).toBe(244091.94)
  })

  it('is idempotent: importing the same file again stores nothing new', async () => {
    await importFile(collector, 'data/cdnow/CDNOW_sample.txt', CDNOW_IMPORT)
    const again = await importFile(collector, 'data/cdnow/CDNOW_sample.txt', CDNOW_IMPORT)
    expect(again).toMatchObject({ rows: 6919, stored: 0, duplicates: 6919, rejected: 0 })
  })

  it('rejects bad rows with line numbers and reasons, stores the rest, and quarantines the rejected', async () => {
    const summary = await importFile(collector, 'test/fixtures/orders-bad.csv', { kind: 'orders', source: 'shop', map: { date: 'timestamp' } })
    expect(summary).toMatchObject({ rows: 5, stored: 2, rejected: 3 })
    expect(summary.rejections).toEqual([
      { line: 3, reason: 'line[3].properties.revenue must not be negative, got -3' },
      { line: 4, reason: 'line[4].userId, anonymousId, email, phone or an external id is required' },
      { line: 5, reason: 'line[5].timestamp must be ISO-8601, got "yesterday"' },
    ])
    expect((await store.events.counts()).quarantined).toBe(3)
  })

  it('imports gzipped JSONL contacts, rejecting a line that is not JSON', async () => {
    const summary = await importFile(collector, 'test/fixtures/contacts.jsonl.gz', { kind: 'contacts', source: 'crm', map: {} })
    expect(summary).toMatchObject({ rows: 3, stored: 2, rejected: 1, rejections: [{ line: 2, reason: 'line[2] must be an object, got "{not json"' }] })
    const cem = (await store.profiles.get((await store.profiles.idOfIdentifier('external:crm:K-1'))!))!
    expect(cem.identifiers).toEqual([
      { kind: 'email', value: 'c1@example.com' },
      { kind: 'external:crm', value: 'K-1' },
      { kind: 'userId', value: 'c1' },
    ])
    expect(cem.traits.firstName).toMatchObject({ value: 'Cem', source: 'crm' })
    expect(await store.profiles.idOfIdentifier('phone:+4930901820')).toBe(await store.profiles.idOfIdentifier('userId:c2'))
  })

  it('imports consent decisions through the same path: each with its own time and evidence; bad rows rejected with their line', async () => {
    const summary = await importFile(collector, 'test/fixtures/consent.csv', { kind: 'consent', source: 'crm', map: {} })
    expect(summary).toMatchObject({ rows: 5, stored: 2, rejected: 3 })
    expect(summary.rejections).toEqual([
      { line: 4, reason: expect.stringContaining('context.consent.marketing.sms.evidence is required for an opt-in to marketing by sms in DE') },
      { line: 5, reason: expect.stringContaining('context.consent.marketing.email.occurredAt is required') },
      { line: 6, reason: expect.stringContaining('context.consent.newsletter is not a consent purpose') },
    ])
    const consent = new ConsentService(store, TEST_POLICY)
    const ada = (await store.profiles.idOfIdentifier('email:ada@example.com'))!
    expect(await consent.mayContact(ada, 'marketing', 'email')).toMatchObject({ allowed: true, state: 'opt_in' })
    expect(await consent.mayContact(ada, 'marketing', 'post')).toMatchObject({ allowed: false, state: 'opt_out' })
    const [doi] = await store.consent.recordsOf(ada)
    expect(doi).toMatchObject({ occurredAt: '2026-01-10T08:00:00.000Z', source: 'crm', legalBasis: 'consent', evidence: { type: 'double_opt_in', reference: 'doi-4711' } })
  })
})
