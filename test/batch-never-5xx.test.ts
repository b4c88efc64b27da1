import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventKey } from '../src/store/store.js'
import { testApp, type TestApp } from './helpers/app.js'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres, type StoreKind } from './helpers/stores.js'

// Issue 10.2, in general: no input turns a batch into a 5xx, every item gets a verdict, and every
// valid event of a batch is stored whatever its neighbours are.

/** Strings and keys as a careless or hostile client sends them: any code unit, NULs and lone surrogates included. */
const anyString = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', '"', '\\', '%', '_', '😀'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))), maxLength: 40 })
const anyJson = fc.jsonValue({ maxDepth: 6, depthSize: 'medium' }).chain((v) => fc.constant(v))
const oddValue = fc.oneof(anyJson, anyString, fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1 + 0.2, '', ' ', 'null'))

let counter = 0
/** A valid event: must be stored whatever else the batch holds. */
const validEvent = fc
  .record({
    type: fc.constantFrom('track', 'identify', 'page', 'screen'),
    props: fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !k.includes('\u0000')), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), { maxKeys: 6 }),
  })
  .map(({ type, props }) => {
    const clean = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('\u0000', '') : v]))
    const messageId = `valid-${++counter}`
    const base = { type, messageId, userId: `u-${counter % 7}`, properties: clean }
    return type === 'track' ? { ...base, event: 'Thing Happened' } : type === 'identify' ? { type, messageId, userId: base.userId, traits: clean } : base
  })
/** Event-shaped garbage: real field names with odd values, or any JSON at all. */
const oddItem = fc.oneof(
  anyJson,
  fc.record(
    { type: fc.oneof(fc.constantFrom('track', 'identify', 'alias', 'group', 'page'), oddValue), messageId: oddValue, userId: oddValue, anonymousId: oddValue, event: oddValue, timestamp: oddValue, sentAt: oddValue, traits: oddValue, properties: oddValue, context: oddValue },
    { requiredKeys: [] },
  ),
  fc.record({ type: fc.constant('track'), messageId: anyString, userId: anyString, event: fc.constant('Order Completed'), properties: fc.record({ revenue: oddValue, currency: oddValue, email: anyString }, { requiredKeys: [] }) }),
)
const item = fc.oneof({ arbitrary: validEvent, weight: 2 }, { arbitrary: oddItem, weight: 3 })

const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`
const kinds: [StoreKind, number][] = [['sqlite', 120]]
if (!pgMissing || POSTGRES_REQUIRED) kinds.push(['postgres', 40])

describe.each(kinds)('a batch of arbitrary JSON on %s', (kind, numRuns) => {
  let t: TestApp
  beforeAll(async () => {
    if (kind === 'postgres' && pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    t = await testApp({ store: kind })
  })
  afterAll(async () => {
    await t?.close()
  })
  const send = (payload: string) => t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.basic, 'content-type': 'application/json' }, payload })

  it('answers 2xx or 4xx, never 5xx; gives each item a verdict; stores every valid event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 12 }), async (items) => {
        const res = await send(JSON.stringify({ batch: items }))
        expect(res.statusCode, res.body).toBeLessThan(500)
        if (res.statusCode !== 200) return
        const body = res.json() as { stored: number; duplicates: number; rejected: { index: number; reason: string }[] }
        expect(body.stored + body.duplicates + body.rejected.length).toBe(items.length)
        for (const r of body.rejected) expect(r.reason.length).toBeGreaterThan(0)
        const valid = items.flatMap((it, i) => (typeof it === 'object' && it !== null && String((it as { messageId?: unknown }).messageId).startsWith('valid-') ? [i] : []))
        expect(body.rejected.filter((r) => valid.includes(r.index))).toEqual([])
        const ids = valid.map((i) => (items[i] as { messageId: string }).messageId)
        const stored = await t.store.write((tx) => tx.existingEvents(ids.map((messageId) => ({ source: 'web', messageId }))))
        expect([...stored].sort()).toEqual(ids.map((messageId) => eventKey({ source: 'web', messageId })).sort())
      }),
      { numRuns },
    )
  })

  it('answers raw bodies that JSON.stringify never makes (huge numbers, deep nesting, odd escapes) with 2xx or 4xx', async () => {
    const bodies = [
      '{"batch":[{"type":"track","userId":"u","messageId":"n1","event":"E","properties":{"n":1e999,"m":-1e999}}]}',
      '{"batch":[{"type":"track","userId":"u","messageId":"n2","event":"Order Completed","properties":{"revenue":1e999}}]}',
      `{"batch":[${'['.repeat(20_000)}${']'.repeat(20_000)}]}`,
      `{"batch":[{"type":"track","userId":"u","messageId":"n3","event":"E","properties":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}]}`,
      '{"batch":[{"type":"track","userId":"\\u0000","messageId":"n4\\ud800","event":"E\\u0000"}]}',
      '{"batch":[{"type":"track","userId":"u","messageId":"n5","event":"E","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}]}',
      '{"batch":{"0":{}}}',
      '{"batch":null}',
      '[]',
      '"batch"',
      '{"batch":[' + '1,'.repeat(50_000) + '1]}',
    ]
    for (const body of bodies) {
      const res = await send(body)
      expect(res.statusCode, `${body.slice(0, 80)} → ${res.body.slice(0, 200)}`).toBeLessThan(500)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
