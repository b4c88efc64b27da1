import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { salestwin } from '../helpers/cli.js'

// Issue 10.12: a page call's top-level name was lost in the stored payload; `import --source stores`
// created a source without a word; an invalid email was kept as a trait without a word; Segment's
// tracking pixel was missing.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})
const batch = (events: unknown[]) =>
  t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: events }) })

describe('the smaller ones', () => {
  it("keeps a page call's top-level name in the stored payload", async () => {
    await batch([{ type: 'page', anonymousId: 'a-1', messageId: 'pg-1', name: 'Home', properties: { path: '/' } }])
    const id = (await t.store.profiles.idOfIdentifier('anonymousId:a-1'))!
    const [page] = (await t.store.events.timeline(id, { limit: 1 })).items
    expect(page!.payload).toMatchObject({ type: 'page', name: 'Home', event: 'Home', properties: { path: '/' } })
  })

  it('stores an event with an invalid email, says so in the answer, and lists it in the quarantine as a warning', async () => {
    const res = await batch([{ type: 'identify', userId: 'dq-1', messageId: 'dq-1', traits: { email: 'not-an-email', name: 'Dee Q' } }])
    const warning = 'batch[0].traits.email is not a valid email address, got "not-an-email": kept as a trait, not used to identify the person'
    expect(res.json()).toEqual({ success: true, stored: 1, duplicates: 0, rejected: [], warnings: [{ index: 0, messageId: 'dq-1', warning }] })
    expect((await t.store.events.quarantine({ limit: 5, severity: 'warning' })).items).toEqual([expect.objectContaining({ messageId: 'dq-1', severity: 'warning', reason: warning })])
    expect(await t.store.events.counts()).toMatchObject({ events: 1, quarantined: 0, warnings: 1 })
    // A retry is a duplicate: no second warning.
    await batch([{ type: 'identify', userId: 'dq-1', messageId: 'dq-1', traits: { email: 'not-an-email' } }])
    expect((await t.store.events.counts()).warnings).toBe(1)
  })

  it('takes a tracking pixel (track, page, identify) with the message as base64 JSON and answers a GIF', async () => {
    const data = Buffer.from(JSON.stringify({ writeKey: t.writeKey, userId: 'pix-1', event: 'Email Opened', properties: { campaign: 'nov' } })).toString('base64')
    const res = await t.app.inject({ method: 'GET', url: `/v1/pixel/track?data=${encodeURIComponent(data)}` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/gif')
    expect(res.rawPayload.subarray(0, 6).toString()).toBe('GIF89a')
    const id = (await t.store.profiles.idOfIdentifier('userId:pix-1'))!
    expect((await t.store.events.timeline(id, { limit: 1 })).items[0]).toMatchObject({ event: 'Email Opened', source: 'web' })
    const wrongKey = Buffer.from(JSON.stringify({ writeKey: 'wk_nope', userId: 'pix-1', event: 'Email Opened' })).toString('base64')
    expect((await t.app.inject({ method: 'GET', url: `/v1/pixel/track?data=${wrongKey}` })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/v1/pixel/page?data=%%%' })).json()).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID' })
  })
})

describe('import into a source that does not exist', () => {
  it('refuses without --create-source, and with it says it created the source; the summary counts invalid emails', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'st-src-')), 'x.db')
    const refused = await salestwin(['import', 'contacts', 'data/examples/contacts.csv', '--source', 'stores', '--db', db])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('error SOURCE_NOT_FOUND: source "stores" does not exist: create it with `salestwin sources create stores`, or pass --create-source')
    const created = await salestwin(['import', 'contacts', 'data/examples/contacts.csv', '--source', 'stores', '--create-source', '--db', db, '--json'])
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({
      createdSource: 'stores',
      rows: 5,
      stored: 5,
      warned: 1,
      warnings: [{ line: 5, warning: 'line[5].traits.email is not a valid email address, got "not-an-email": kept as a trait, not used to identify the person' }],
    })
  })
})
