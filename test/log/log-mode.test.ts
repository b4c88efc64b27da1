import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openRuntime, type Runtime } from '../../src/cli/runtime.js'
import { createSource } from '../../src/collect/sources.js'
import { createApiKey } from '../../src/server/access/keys.js'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/server/app.js'
import { dropStream, freshStream, NATS_REQUIRED, NATS_URL, probeNats } from '../helpers/nats.js'

const natsMissing = await probeNats()
const kinds = ['embedded', ...(natsMissing === null || NATS_REQUIRED ? ['nats'] : [])]

/**
 * Collection behind the event log (issue 13, points 1–2, config `log`): acknowledged once durable in
 * the log, applied to the store by the processor behind it, consent recorded before the 2xx.
 */
describe.each(kinds)('collection behind the %s log', (kind) => {
  let runtimes: Runtime[] = []
  let streams: string[] = []
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.close()
    for (const s of streams.splice(0)) await dropStream(s)
  })
  async function open(flags: Record<string, string> = {}): Promise<Runtime & { log: NonNullable<Runtime['log']>; processor: NonNullable<Runtime['processor']> }> {
    if (kind === 'nats' && natsMissing) throw new Error(`NATS at ${NATS_URL} did not answer (${natsMissing}); .ci/run requires the log suites to run against JetStream`)
    // A fresh store and a fresh log (file or stream) for each test.
    const dir = mkdtempSync(join(tmpdir(), 'st-logmode-'))
    const stream = freshStream()
    const where = kind === 'embedded' ? join(dir, 'log.db') : `${NATS_URL}?stream=${stream}`
    const r = await openRuntime(loadConfig({ flags: { db: join(dir, 'store.db'), log: where, ...flags }, env: {} }))
    runtimes.push(r)
    if (kind === 'nats') streams.push(stream)
    return r as Runtime & { log: NonNullable<Runtime['log']>; processor: NonNullable<Runtime['processor']> }
  }
  const identify = (userId: string, n: number, extra: Record<string, unknown> = {}) => ({ raw: { type: 'identify', userId, messageId: `${userId}-${n}`, timestamp: '2026-06-01T10:00:00Z', traits: { email: `${userId}@example.com` }, ...extra }, path: '' })

  it('acknowledges once durable in the log, applies behind it, and says which position to wait for', async () => {
    const r = await open()
    const results = await r.collector.collect([identify('ann', 1), identify('bob', 1), identify('ann', 1)], 'web')
    expect(results.map((x) => x.status)).toEqual(['accepted', 'accepted', 'duplicate'])
    const position = Math.max(...results.map((x) => ('position' in x ? (x.position ?? 0) : 0)))
    expect(await r.processor.waitFor(position, 5000)).toBe(true)
    expect((await r.store.events.counts()).events).toBe(2)
    expect(await r.store.events.logPosition('main')).toBe(position)
    // Over HTTP: the batch answer counts the accepted events and names the position.
    const app = await buildApp({ store: r.store, collector: r.collector, consent: r.consent, decide: r.decide, defaultCountry: 'DE', logLevel: 'silent', maxAckDelayMs: 0 })
    try {
      const { writeKey } = await createSource(r.store, 'shop')
      const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: [identify('cy', 1).raw] }) })
      expect(res.json()).toMatchObject({ success: true, accepted: 1, duplicates: 0, position: position + 1 })
    } finally {
      await app.close()
    }
  })

  it('records an opt-out carried by an event in the ledger before its 2xx, while the processor has not applied it', async () => {
    const r = await open()
    const optIn = { consent: { marketing: { email: { state: 'opt_in', evidence: { type: 'double_opt_in', reference: 'd1' } } } } }
    const [first] = await r.collector.collect([identify('dee', 1, { context: optIn })], 'web')
    await r.processor.waitFor((first as { position: number }).position, 5000)
    const profileId = (await r.store.profiles.idOfIdentifier('userId:dee'))!
    expect((await r.consent.mayContact(profileId, 'marketing', 'email', new Date().toISOString())).allowed).toBe(true)
    await r.processor.stop()
    const [optOut] = await r.collector.collect([{ raw: { type: 'track', event: 'Email Unsubscribed', userId: 'dee', messageId: 'dee-2', timestamp: new Date().toISOString() }, path: '' }], 'web')
    expect(optOut!.status).toBe('accepted')
    expect((await r.store.profiles.get(profileId))!.eventCount).toBe(1) // not applied yet
    expect((await r.consent.mayContact(profileId, 'marketing', 'email', new Date().toISOString())).allowed).toBe(false)
    const records = (await r.consent.ledgerOf(profileId)).records.length
    // Applied later by a new processor: the event lands, the consent is not recorded twice.
    await r.processor.start()
    expect(await r.processor.waitFor((optOut as { position: number }).position, 5000)).toBe(true)
    expect((await r.store.profiles.get(profileId))!.eventCount).toBe(2)
    expect((await r.consent.ledgerOf(profileId)).records).toHaveLength(records)
  })

  it('resumes where it stopped, and applying the log again changes nothing', async () => {
    const r = await open()
    const batch = Array.from({ length: 120 }, (_, i) => identify(`u${i % 40}`, i, i % 3 === 0 ? { anonymousId: `anon-${i % 7}` } : {}))
    const results = await r.collector.collect(batch, 'web')
    const head = Math.max(...results.map((x) => ('position' in x ? (x.position ?? 0) : 0)))
    expect(await r.processor.waitFor(head, 10_000)).toBe(true)
    const tables = async () => {
      const { log_positions: _p, audit_log: _a, ...rest } = await r.store.dumpTables()
      return rest
    }
    const before = await tables()
    await r.processor.stop()
    await r.store.write((tx) => tx.setLogPosition('main', 0))
    await r.processor.start()
    expect(await r.processor.waitFor(head, 10_000)).toBe(true)
    expect(await tables()).toEqual(before)
  })

  it('refuses with 503 and Retry-After once processing is too far behind, says so in /health and /v1/stats, and lets a reader wait for its position', async () => {
    const r = await open({ maxLogBacklog: '5' })
    const app = await buildApp({ store: r.store, collector: r.collector, consent: r.consent, decide: r.decide, defaultCountry: 'DE', logLevel: 'silent', maxAckDelayMs: 0, processor: r.processor, maxLogBacklog: 5 })
    try {
      const { writeKey } = await createSource(r.store, 'shop')
      const { secret } = await createApiKey(r.store, { role: 'admin', name: 'log test' })
      const batch = (events: unknown[]) => app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' }, payload: JSON.stringify({ batch: events }) })
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } })
      await r.processor.stop()
      const first = (await batch(Array.from({ length: 8 }, (_, i) => identify(`lag${i}`, i).raw))).json()
      expect(first).toMatchObject({ accepted: 8, position: 8 })
      // Behind by 8 > 5: refused, with the reason, until the processor catches up.
      const refused = await batch([identify('late', 1).raw])
      expect([refused.statusCode, refused.headers['retry-after'], refused.json().code]).toEqual([503, '1', 'LOG_BACKLOG'])
      expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'degraded', log: { kind, applied: 0, behind: 8 } })
      expect((await get('/v1/stats')).json().log).toEqual({ kind, applied: 0, behind: 8 })
      // A read that waits for position 8 gets it once the processor has applied it; a short wait says how far it got.
      const early = await get('/v1/profiles?userId=lag7&position=8&waitMs=100')
      expect([early.statusCode, early.headers['x-salestwin-position']]).toEqual([404, '0'])
      const waiting = get('/v1/profiles?userId=lag7&position=8&waitMs=10000')
      await r.processor.start()
      const read = await waiting
      expect([read.statusCode, read.headers['x-salestwin-position']]).toEqual([200, '8'])
      expect((await batch([identify('late', 1).raw])).statusCode).toBe(200)
      expect((await get('/v1/profiles?userId=lag7&position=-1')).json()).toMatchObject({ statusCode: 400, message: 'position must be a log position (an integer of at least 0), got "-1"' })
    } finally {
      await app.close()
    }
  })

  it('quarantines a log entry it cannot apply, with the reason, and goes on', async () => {
    const r = await open()
    await r.log.append([{ id: 'web/broken-1', data: 'not json' }])
    const [ok] = await r.collector.collect([identify('eve', 1)], 'web')
    expect(await r.processor.waitFor((ok as { position: number }).position, 5000)).toBe(true)
    expect(await r.store.profiles.idOfIdentifier('userId:eve')).not.toBeNull()
    const { items } = await r.store.events.quarantine({ limit: 10 })
    expect(items.find((q) => q.messageId === 'broken-1')?.reason).toMatch(/^log entry \d+ could not be applied: /)
  })
})
