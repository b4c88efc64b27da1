import { createHmac } from 'node:crypto'
import { readFileSync, mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runOutbound } from '../src/decide/outbound.js'
import { CSV_COLUMNS, csvRowsOf, type DeliveryPayload } from '../src/decide/outbound-payload.js'
import { fileSender } from '../src/destinations/export-file.js'
import { webhookSender, type WebhookDestination } from '../src/destinations/webhook.js'
import { testApp, type TestApp } from './helpers/app.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres, TEST_POLICY, type StoreKind } from './helpers/stores.js'

const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`
const kinds: StoreKind[] = ['sqlite']
if (!pgMissing || POSTGRES_REQUIRED) kinds.push('postgres')

interface Received {
  headers: IncomingMessage['headers']
  body: string
}
type Handler = (req: Received, res: ServerResponse, n: number) => void | Promise<void>

/** A real HTTP receiver on a free port: records every request and answers as the test says. */
let server: Server
let url = ''
let received: Received[] = []
let handler: Handler = (_r, res) => void res.end('ok')
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const r = { headers: req.headers, body }
      received.push(r)
      void Promise.resolve(handler(r, res, received.length)).catch((err: unknown) => res.writeHead(599).end(String(err)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const SECRET = 'whsec-test-0123456789'
const destination = (over: Partial<WebhookDestination> = {}): WebhookDestination => ({ id: 'esp', url, channels: ['email'], secret: SECRET, timeoutMs: 2000, maxAttempts: 3, backoffMs: 5, concurrency: 1, ...over })

const CATALOG = {
  contactPolicy: { quietHours: { from: 22, to: 7 } },
  campaigns: [
    {
      id: 'spring',
      name: 'Spring sale',
      status: 'active',
      purpose: 'marketing',
      channels: ['email'],
      responseWindowDays: 7,
      offers: [{ id: 'spring-10', name: '10 % off', value: 20, content: { email: { subject: 'Spring is here', body: 'Take 10 % off' } } }],
    },
  ],
}

describe.each(kinds)('outbound runs on %s', (kind) => {
  let t: TestApp
  let now = new Date('2026-06-10T10:00:00Z')
  beforeEach(async () => {
    if (kind === 'postgres' && pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    now = new Date('2026-06-10T10:00:00Z')
    received = []
    handler = (_r, res) => void res.end('ok')
    t = await testApp({ store: kind, now: () => now })
    await t.decide.apply(CATALOG, 'test')
  })
  afterEach(async () => {
    await t?.close()
  })

  /** A customer with an email address, opted in to marketing and personalization by email (double opt-in). */
  async function customer(userId: string, opts: { email?: boolean; consent?: boolean } = {}): Promise<string> {
    const optIn = { state: 'opt_in', evidence: { type: 'double_opt_in', reference: `doi-${userId}` } }
    const consent = opts.consent === false ? {} : { marketing: { email: optIn }, personalization: { email: optIn } }
    const traits = opts.email === false ? { name: userId } : { email: `${userId}@example.com`, name: userId }
    await t.collector.collect([{ raw: { type: 'identify', userId, messageId: `m-${userId}`, timestamp: '2026-06-01T09:00:00Z', traits, context: { consent } }, path: '' }], 'web')
    return (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
  }
  const deps = () => ({ store: t.store, decide: t.decide, consent: t.consent, policy: TEST_POLICY, now: () => now })
  const run = (dest = destination(), extra: { limit?: number } = {}) => runOutbound(deps(), { channel: 'email', sender: webhookSender(dest), ...extra })
  const optOut = (profileId: string) =>
    t.consent.record(profileId, [{ purpose: 'marketing', channel: 'email', state: 'opt_out', legalBasis: 'consent', source: 'test', occurredAt: now.toISOString(), evidence: null, messageId: null }])

  it('delivers each due offer once, signed, with the decision id as idempotency key', async () => {
    const ann = await customer('ann')
    await customer('bob')
    await customer('cy', { email: false })
    await customer('dee', { consent: false })
    const report = await run()
    expect(report).toMatchObject({ channel: 'email', destination: 'esp', profiles: 3, due: 2, unreachable: 1, delivered: 2, failed: 0, suppressed: 0 })
    expect(received).toHaveLength(2)
    for (const r of received) {
      const body = JSON.parse(r.body) as DeliveryPayload
      const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-salestwin-signature']))!
      expect(mac).toBe(createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex'))
      expect(r.headers['idempotency-key']).toBe(body.decisionId)
      expect(body.offers.map((o) => [o.offer, o.content?.subject])).toEqual([['spring-10', 'Spring is here']])
    }
    const toAnn = received.map((r) => JSON.parse(r.body) as DeliveryPayload).find((b) => b.recipient.profileId === ann)!
    expect(toAnn.recipient).toMatchObject({ email: 'ann@example.com', userId: 'ann', name: 'ann' })
    expect((await t.store.decisions.decision(toAnn.decisionId))?.channel).toBe('email')

    // The offers are open on email: the next run has nothing due, and sends nothing again.
    now = new Date('2026-06-10T11:00:00Z')
    expect(await run()).toMatchObject({ due: 0, delivered: 0 })
    expect(received).toHaveLength(2)
  })

  it('retries a 5xx and a timeout with the same idempotency key, then delivers once', async () => {
    await customer('ann')
    handler = async (_r, res, n) => {
      if (n === 1) return void res.writeHead(503).end('busy')
      if (n === 2) await new Promise((resolve) => setTimeout(resolve, 600))
      res.end('ok')
    }
    const report = await run(destination({ timeoutMs: 300, maxAttempts: 5 }))
    expect(report).toMatchObject({ due: 1, delivered: 1, failed: 0 })
    expect(received.map((r) => r.headers['x-salestwin-attempt'])).toEqual(['1', '2', '3'])
    expect(new Set(received.map((r) => r.headers['idempotency-key'])).size).toBe(1)
    const decisionId = String(received[0]!.headers['idempotency-key'])
    expect(await t.store.deliveries.of(decisionId)).toMatchObject({ status: 'delivered', attempts: 3, lastError: null })
    expect(await run()).toMatchObject({ delivered: 0 })
    expect(received).toHaveLength(3)
  })

  it('keeps a delivery whose retries ran out as a dead letter, sends it again only when put back', async () => {
    await customer('ann')
    handler = (_r, res) => void res.writeHead(500).end('down')
    expect(await run()).toMatchObject({ due: 1, delivered: 0, failed: 1 })
    expect(received).toHaveLength(3)
    const failures = (await t.app.inject({ method: 'GET', url: '/v1/destinations/failures', headers: t.as.marketer })).json()
    expect(failures.items).toHaveLength(1)
    expect(failures.items[0]).toMatchObject({ destination: 'esp', channel: 'email', status: 'failed', attempts: 3, lastError: 'HTTP 500' })
    const { decisionId } = failures.items[0] as { decisionId: string }

    expect(await run()).toMatchObject({ due: 0, delivered: 0, failed: 0 })
    expect(received).toHaveLength(3)
    const retry = (as: keyof TestApp['as'], id = decisionId) => t.app.inject({ method: 'POST', url: `/v1/destinations/failures/${id}/retry`, headers: t.as[as] })
    expect((await retry('marketer')).statusCode).toBe(403)
    expect((await retry('admin')).json()).toEqual({ decisionId, status: 'pending', destination: 'esp' })
    handler = (_r, res) => void res.end('ok')
    expect(await run()).toMatchObject({ delivered: 1 })
    expect(received).toHaveLength(4)
    expect(JSON.parse(received[3]!.body).decisionId).toBe(decisionId)
    expect((await retry('admin')).json()).toMatchObject({ code: 'DELIVERY_CONFLICT', message: `the delivery of ${decisionId} is delivered, not failed: only a dead letter is put back` })
    expect((await retry('admin', 'dec_nope')).json()).toMatchObject({ statusCode: 404, code: 'DELIVERY_NOT_FOUND' })
  })

  it('takes a 4xx answer as final: one attempt, then a dead letter', async () => {
    await customer('ann')
    handler = (_r, res) => void res.writeHead(422).end('bad address')
    expect(await run()).toMatchObject({ delivered: 0, failed: 1 })
    expect(received).toHaveLength(1)
    expect((await t.store.deliveries.failures(10))[0]).toMatchObject({ attempts: 1, lastError: 'HTTP 422 (not retried)' })
  })

  it('stops a delivery when the customer opts out between decision and delivery', async () => {
    const ids = [await customer('ann'), await customer('bob'), await customer('cy')]
    // The first delivery's receiver records the other two customers' opt-outs before it answers.
    handler = async (r, res, n) => {
      if (n === 1) {
        const first = (JSON.parse(r.body) as DeliveryPayload).recipient.profileId
        for (const id of ids.filter((i) => i !== first)) await optOut(id)
      }
      res.end('ok')
    }
    const report = await run()
    expect(report).toMatchObject({ due: 3, delivered: 1, suppressed: 2 })
    expect(received).toHaveLength(1)
    const counts = await t.store.deliveries.counts()
    expect(counts).toEqual([
      { destination: 'esp', status: 'delivered', n: 1 },
      { destination: 'esp', status: 'suppressed', n: 2 },
    ])
    // What was stopped never reached them: no contact, no negative — the campaign is not cooling down for them.
    const first = (JSON.parse(received[0]!.body) as DeliveryPayload).recipient.profileId
    const stopped = ids.find((i) => i !== first)!
    const [decision] = await t.store.decisions.decisionsOf(stopped, { limit: 5 })
    expect(decision!.outcomes.map((o) => [o.offerId, o.outcome, o.source])).toEqual([['spring-10', 'not_delivered', 'delivery']])
    await t.consent.record(stopped, [{ purpose: 'marketing', channel: 'email', state: 'opt_in', legalBasis: 'consent', source: 'test', occurredAt: new Date(now.getTime() + 1000).toISOString(), evidence: { type: 'double_opt_in', reference: 'again' }, messageId: null }])
    now = new Date('2026-06-10T12:00:00Z')
    const again = await t.decide.decide({ profileId: stopped, channel: 'email' })
    expect([again.offers.map((o) => o.offer), again.continues]).toEqual([['spring-10'], null])
  })

  it('leaves nothing to deliver for an erased customer', async () => {
    const ann = await customer('ann')
    expect(await runOutbound(deps(), { channel: 'email', sender: webhookSender(destination()), decideOnly: true })).toMatchObject({ due: 1, delivered: 0 })
    expect(await t.store.deliveries.counts()).toEqual([{ destination: 'esp', status: 'pending', n: 1 }])
    const erased = (await t.app.inject({ method: 'DELETE', url: `/v1/profiles/${ann}`, headers: t.as.admin })).json()
    expect(erased.removed.deliveries).toBe(1)
    expect(await t.store.deliveries.counts()).toEqual([])
    expect(await run()).toMatchObject({ due: 0, delivered: 0 })
    expect(received).toHaveLength(0)
  })

  it('exports the run as CSV and as JSON Lines', async () => {
    await customer('ann')
    await customer('bob')
    const dir = mkdtempSync(join(tmpdir(), 'st-outbound-'))
    const csv = fileSender(join(dir, 'run.csv'), 'csv', { columns: CSV_COLUMNS, toRows: (b) => csvRowsOf(JSON.parse(b) as DeliveryPayload) })
    expect(await runOutbound(deps(), { channel: 'email', sender: csv })).toMatchObject({ destination: 'export', due: 2, delivered: 2 })
    await csv.close()
    const rows = parse(readFileSync(join(dir, 'run.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => [r.email, r.offer, r.subject]).sort()).toEqual([
      ['ann@example.com', 'spring-10', 'Spring is here'],
      ['bob@example.com', 'spring-10', 'Spring is here'],
    ])
    // A week later the offers were ignored and the campaign cools down: nothing is due, the file has its header only.
    now = new Date('2026-06-18T10:00:00Z')
    const jsonl = fileSender(join(dir, 'run.jsonl'), 'jsonl', { columns: CSV_COLUMNS, toRows: () => [] })
    expect(await runOutbound(deps(), { channel: 'email', sender: jsonl })).toMatchObject({ due: 0 })
    await jsonl.close()
    expect(readFileSync(join(dir, 'run.jsonl'), 'utf8')).toBe('')
  })

  it('refuses a run on a channel that is not outbound', async () => {
    await expect(run(destination(), {}).then(() => runOutbound(deps(), { channel: 'web', sender: webhookSender(destination()) }))).rejects.toThrow(
      'decide run is for the outbound channels email, sms, push, post, phone, got "web"',
    )
  })
})
