import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from './helpers/app.js'
import { POSTGRES_REQUIRED, probePostgres, type StoreKind } from './helpers/stores.js'

const PEOPLE = 1000
const READERS = 48
const pgUp = (await probePostgres()).ok || POSTGRES_REQUIRED
// And behind the embedded event log (issue 13): an event's opt-out is recorded at the door, before its 2xx.
const kinds: [StoreKind, 'embedded' | undefined][] = pgUp ? [['sqlite', undefined], ['postgres', undefined], ['sqlite', 'embedded']] : [['sqlite', undefined], ['sqlite', 'embedded']]
if (!pgUp) process.stderr.write('\n*** consent concurrency: PostgreSQL not reachable, ran against SQLite only ***\n\n')

/**
 * Consent holds from the moment it is acknowledged: 1,000 opt-outs fired at once over HTTP while
 * readers keep asking `may-contact` for the same people. A read that started after an opt-out's
 * 2xx arrived must never allow contact. Every such read is counted; violations must be zero.
 * Half the opt-outs go through the consent API, half arrive as `Email Unsubscribed` events through
 * the collection API: a 2xx there is an acknowledgement too (and would stop being one the day
 * collection acknowledged before identity resolution — this test is the guard).
 */
describe.each(kinds)('consent under load (%s, log %s): no contact after an acknowledged opt-out', (kind, log) => {
  let t: TestApp
  let base: string
  let ids: string[]
  let userIdOf: Map<string, string>

  beforeAll(async () => {
    t = await testApp({ store: kind, maxAckDelayMs: 1000, ...(log ? { log } : {}) }) // shedding on, as served: the opt-outs are retried on 429
    base = await t.app.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }) // 1,000 connections at once exceed Node's default backlog of 511
    const doi = { state: 'opt_in', evidence: { type: 'double_opt_in' } }
    await t.collector.collect(
      Array.from({ length: PEOPLE }, (_, i) => ({
        raw: { type: 'identify', userId: `load-${i}`, messageId: `load-${i}`, timestamp: '2026-01-01T00:00:00Z', traits: { email: `load${i}@example.com` }, context: { consent: { marketing: { email: doi } } } },
        path: `batch[${i}]`,
      })),
      'web',
    )
    if (t.processor) expect(await t.processor.waitFor(PEOPLE, 60_000)).toBe(true) // the people exist before the opt-outs race the readers
    const identifiers = await t.store.profiles.identifiers()
    const byProfile = new Map(identifiers.filter((r) => r.kind === 'userId').map((r) => [r.profileId, r.value]))
    ids = [...byProfile.keys()]
    userIdOf = byProfile
    expect(ids).toHaveLength(PEOPLE)
  }, 120_000)
  afterAll(async () => {
    await t.close()
  })

  /**
   * Collection sheds 1,000 requests at once with 429 (issue 10.7); Segment's libraries retry those
   * with backoff, and so does this sender. The guarantee is about the 2xx: after it, no contact.
   */
  const sendAsSegmentWould = async (send: () => Promise<Response>): Promise<Response> => {
    const giveUpAt = performance.now() + 60_000
    for (;;) {
      const res = await send()
      if (res.status !== 429 || performance.now() > giveUpAt) return res
      await res.arrayBuffer()
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
    }
  }

  it('fires 1,000 opt-outs concurrently with may-contact reads: zero violations', async () => {
    const ackedAt = new Map<string, number>()
    const json = { 'content-type': 'application/json', ...t.as.agent }
    const optOut = async (id: string, i: number) => {
      const res =
        i % 2 === 0
          ? await fetch(`${base}/v1/profiles/${id}/consent`, {
              method: 'PUT',
              headers: json,
              body: JSON.stringify({ purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: new Date().toISOString() }),
            })
          : await sendAsSegmentWould(() =>
              fetch(`${base}/v1/track`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: t.basic },
                body: JSON.stringify({ userId: userIdOf.get(id), event: 'Email Unsubscribed', messageId: `unsub-${id}`, timestamp: new Date().toISOString() }),
              }),
            )
      expect(res.status, res.status === 200 ? '' : await res.text()).toBe(200)
      if (res.bodyUsed === false) await res.arrayBuffer()
      ackedAt.set(id, performance.now())
    }
    let violations = 0
    let readsAfterAck = 0
    let allowedBeforeAck = 0
    const read = async (id: string) => {
      const started = performance.now()
      const res = await fetch(`${base}/v1/profiles/${id}/may-contact?purpose=marketing&channel=email`, { headers: t.as.agent })
      expect(res.status).toBe(200)
      const { allowed } = (await res.json()) as { allowed: boolean }
      const ack = ackedAt.get(id)
      if (ack !== undefined && ack <= started) {
        readsAfterAck++
        if (allowed) violations++
      } else if (allowed) {
        allowedBeforeAck++
      }
    }

    let done = false
    let cursor = 0
    const readers = Array.from({ length: READERS }, async () => {
      while (!done) await read(ids[(cursor++ * 7919) % ids.length]!)
    })
    await Promise.all(ids.map(optOut)) // all 1,000 in flight at once
    done = true
    await Promise.all(readers)
    for (const id of ids) await read(id) // and once more for everybody, after every acknowledgement

    expect(ackedAt.size).toBe(PEOPLE)
    expect(readsAfterAck).toBeGreaterThanOrEqual(PEOPLE)
    expect(allowedBeforeAck).toBeGreaterThan(0) // the race was real: reads before the opt-outs still saw the opt-ins
    expect(violations).toBe(0)
  }, 180_000)
})
