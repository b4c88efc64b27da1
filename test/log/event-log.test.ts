import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedLog } from '../../src/log/embedded-log.js'
import type { EventLog } from '../../src/log/event-log.js'
import { NatsLog } from '../../src/log/nats-log.js'
import { openLog } from '../../src/log/open-log.js'
import { dropStream, freshStream, NATS_REQUIRED, NATS_URL, probeNats } from '../helpers/nats.js'

const natsProbe = await probeNats()
const kinds: string[] = ['embedded']
if (natsProbe === null || NATS_REQUIRED) kinds.push('nats')
else process.stderr.write(`\n*** event log: NATS JetStream suite SKIPPED: ${NATS_URL} did not answer (${natsProbe}). Set SALESTWIN_TEST_NATS_URL to run it. ***\n\n`)

/** A fresh log of a kind, and how to open it again over the same data. */
function freshLog(kind: string): { open: () => Promise<EventLog>; destroy: () => Promise<void> } {
  if (kind === 'embedded') {
    const file = join(mkdtempSync(join(tmpdir(), 'st-log-')), 'log.db')
    return { open: async () => new EmbeddedLog(file), destroy: async () => undefined }
  }
  if (natsProbe !== null) throw new Error(`NATS at ${NATS_URL} did not answer (${natsProbe}); .ci/run requires the log suite to run against JetStream`)
  const stream = freshStream()
  return { open: () => NatsLog.open(NATS_URL, { stream }), destroy: () => dropStream(stream) }
}

const entries = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `web/m-${from + i}`, data: JSON.stringify({ event: 'Order Completed', n: from + i }) }))

describe.each(kinds)('the event log (%s)', (kind) => {
  let cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })
  async function open(): Promise<{ log: EventLog; reopen: () => Promise<EventLog> }> {
    const f = freshLog(kind)
    const log = await f.open()
    cleanup.push(f.destroy)
    cleanup.push(() => log.close())
    return { log, reopen: f.open }
  }

  it('appends in order and reads back what it appended, page by page', async () => {
    const { log } = await open()
    expect(await log.head()).toBe(0)
    expect(await log.append(entries(0, 3))).toEqual([1, 2, 3].map((position) => ({ position, duplicate: false })))
    expect(await log.append(entries(3, 2))).toEqual([4, 5].map((position) => ({ position, duplicate: false })))
    expect(await log.head()).toBe(5)
    const first = await log.read(0, 2)
    expect(first).toEqual([
      { position: 1, ...entries(0, 1)[0] },
      { position: 2, ...entries(1, 1)[0] },
    ])
    expect((await log.read(2, 10)).map((e) => [e.position, e.id])).toEqual([
      [3, 'web/m-2'],
      [4, 'web/m-3'],
      [5, 'web/m-4'],
    ])
    expect(await log.read(5, 10)).toEqual([])
  })

  it('keeps concurrent appends apart, each in its own order, with no position given twice', async () => {
    const { log } = await open()
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) => log.append(entries(k * 10, 10))))
    const positions = results.flat().map((r) => r.position)
    expect(new Set(positions).size).toBe(200)
    for (const r of results) expect(r.map((a) => a.position)).toEqual([...r.map((a) => a.position)].sort((a, b) => a - b))
    const all = await log.read(0, 500)
    expect(all).toHaveLength(200)
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
  })

  it('does not append an id twice: the repeat gets the first position', async () => {
    const { log } = await open()
    await log.append(entries(0, 2))
    expect(await log.append([entries(1, 1)[0]!, ...entries(2, 1)])).toEqual([
      { position: 2, duplicate: true },
      { position: 3, duplicate: false },
    ])
    expect(await log.head()).toBe(3)
  })

  it('still holds every acknowledged entry after it is closed and opened again', async () => {
    const { log, reopen } = await open()
    await log.append(entries(0, 50))
    await log.close()
    cleanup.pop() // closed already
    const again = await reopen()
    cleanup.push(() => again.close())
    expect(await again.head()).toBe(50)
    expect((await again.read(45, 10)).map((e) => e.id)).toEqual(['web/m-45', 'web/m-46', 'web/m-47', 'web/m-48', 'web/m-49'])
  })
})

describe('opening a log', () => {
  it('names the URL of a NATS server that does not answer, without hanging', async () => {
    const started = Date.now()
    await expect(openLog('nats://127.0.0.1:4299', { connectTimeoutMs: 1000 })).rejects.toThrow(/^cannot reach the NATS server at nats:\/\/127\.0\.0\.1:4299: /)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('opens the embedded log for a path', async () => {
    const log = await openLog(join(mkdtempSync(join(tmpdir(), 'st-log-')), 'log.db'))
    expect(log.kind).toBe('embedded')
    await log.close()
  })
})
