/**
 * npm run bench:log — issue 13's point 5 (a): the raw append rate of each event log kind, with its
 * floor measured in the same run so the ratio holds on a noisy machine:
 *  - embedded (src/log/embedded-log.ts) beside bare inserts of the same rows into a plain SQLite
 *    table with the same durability (WAL, synchronous = FULL), one transaction per group of batches;
 *  - NATS JetStream (src/log/nats-log.ts) beside raw JetStream publishes of the same payloads, each
 *    awaited for its acknowledgement, without message ids.
 * Events are Segment-like track events of about 500 bytes, appended in batches of --batch by
 * --concurrency appenders at once (as concurrent /v1/batch requests would).
 *
 *   npm run bench:log -- [--events 100000] [--batch 100] [--concurrency 16] [--runs 3] [--nats nats://127.0.0.1:4222] [--json]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { jetstream } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { EmbeddedLog } from '../src/log/embedded-log.js'
import type { NewLogEntry } from '../src/log/event-log.js'
import { NatsLog } from '../src/log/nats-log.js'
import { benchArg, benchArgs, log, median } from './args.js'

const EVENTS = Number(benchArg('events', '100000'))
const BATCH = Number(benchArg('batch', '100'))
const CONCURRENCY = Number(benchArg('concurrency', '16'))
const RUNS = Number(benchArg('runs', '3'))
const NATS = benchArg('nats', 'nats://127.0.0.1:4222')

const payload = (i: number) =>
  JSON.stringify({ type: 'track', event: 'Product Viewed', userId: `u-${i % 50_000}`, messageId: `m-${i}`, timestamp: '2026-06-10T10:00:00.000Z', properties: { product_id: `p-${i % 997}`, category: 'bikes', price: 1299.5, currency: 'EUR' }, context: { page: { url: 'https://shop.example.com/bikes/summit', referrer: 'https://www.google.com/' }, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)' } })
const batches = (run: string): NewLogEntry[][] => Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, (_, i) => ({ id: `${run}/m-${b * BATCH + i}`, data: payload(b * BATCH + i) })))

/** Appends every batch with CONCURRENCY appenders at once; events per second. */
async function rate(all: NewLogEntry[][], append: (batch: NewLogEntry[]) => Promise<unknown>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < all.length) await append(all[next++]!)
  }))
  return Math.round(EVENTS / ((performance.now() - started) / 1000))
}

/** Bare inserts into a plain table, the same durability and grouping as the embedded log. */
function bareSqlite(file: string): (batch: NewLogEntry[]) => Promise<void> {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE rows (position INTEGER PRIMARY KEY, id TEXT NOT NULL, data TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO rows (id, data) VALUES (?, ?)')
  const commit = db.transaction((groups: NewLogEntry[][]) => {
    for (const g of groups) for (const e of g) insert.run(e.id, e.data)
  })
  let queue: { batch: NewLogEntry[]; done: () => void }[] = []
  return (batch) =>
    new Promise((resolve) => {
      queue.push({ batch, done: resolve })
      if (queue.length === 1) {
        setImmediate(() => {
          const jobs = queue
          queue = []
          commit(jobs.map((j) => j.batch))
          for (const j of jobs) j.done()
        })
      }
    })
}

const results: Record<string, number[]> = { embedded: [], embeddedFloor: [], nats: [], natsFloor: [] }
const nc = await connect({ servers: NATS, timeout: 3000 }).catch(() => null)
for (let r = 0; r < RUNS; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'st-bench-log-'))
  results.embeddedFloor!.push(await rate(batches(`f${r}`), bareSqlite(join(dir, 'bare.db'))))
  const embedded = new EmbeddedLog(join(dir, 'log.db'))
  results.embedded!.push(await rate(batches(`e${r}`), (b) => embedded.append(b)))
  await embedded.close()
  if (nc) {
    const stream = `BENCH_${randomBytes(4).toString('hex')}`
    const natsLog = await NatsLog.open(NATS, { stream })
    results.nats!.push(await rate(batches(`n${r}`), (b) => natsLog.append(b)))
    // Raw publishes of the same payloads into the same stream, acknowledged, no message ids.
    const js = jetstream(nc)
    results.natsFloor!.push(await rate(batches(`r${r}`), (b) => Promise.all(b.map((e) => js.publish(`${stream}.events`, e.data)))))
    await natsLog.destroy()
    await natsLog.close()
  }
  log(`run ${r + 1}: ${Object.entries(results).map(([k, v]) => `${k} ${v.at(-1) ?? '-'}/s`).join(', ')}`)
}
await nc?.close()
const pick = (xs: number[]) => (xs.length ? median(xs) : null)
const report = {
  benchmark: 'log-append',
  events: EVENTS,
  batch: BATCH,
  concurrency: CONCURRENCY,
  runs: RUNS,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  eventsPerSecond: { embedded: pick(results.embedded!), embeddedFloorBareInserts: pick(results.embeddedFloor!), nats: pick(results.nats!), natsFloorRawPublishes: pick(results.natsFloor!) },
  ...(nc ? {} : { nats: `no NATS at ${NATS}` }),
}
log(`embedded ${report.eventsPerSecond.embedded}/s vs bare inserts ${report.eventsPerSecond.embeddedFloorBareInserts}/s; NATS ${report.eventsPerSecond.nats ?? '-'}/s vs raw publishes ${report.eventsPerSecond.natsFloorRawPublishes ?? '-'}/s`)
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
