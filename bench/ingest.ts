/**
 * npm run bench:ingest — sustained events/s through POST /v1/batch (100 events a request,
 * 50 connections) into SQLite and PostgreSQL, with ack latency p50/p99 and the server's peak RSS.
 *
 *   npm run bench:ingest -- [--events 1000000] [--store sqlite|postgres|both] [--runs 3] [--rate REQ_PER_S] [--connections 50] [--json]
 *
 * With --rate the requests are paced (autocannon overallRate): ack latency below saturation.
 * Load shedding is off (SALESTWIN_MAX_ACK_DELAY_MS=0): this measures raw capacity; bench:overload measures shedding.
 *
 * The server runs as its own process (`salestwin serve`, built from dist/), the load generator
 * (autocannon) in this one. Bodies are generated before the clock starts.
 */
import { benchArg, benchArgs, log, median } from './args.js'
import autocannon from 'autocannon'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir, cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { eventBatches } from './event-mix.js'

const args = benchArgs
const arg = benchArg
const TOTAL_EVENTS = Number(arg('events', '1000000'))
const STORES = arg('store', 'both') === 'both' ? ['sqlite', 'postgres'] : [arg('store', 'sqlite')]
const RUNS = Number(arg('runs', '3'))
const JSON_OUT = args.includes('--json')
/** Requests per second for a paced run (latency below saturation); unpaced when 0. */
const RATE = Number(arg('rate', '0'))
const EVENTS_PER_REQUEST = 100
const CONNECTIONS = Number(arg('connections', '50'))
const PORT = 4950
const PG_ADMIN = process.env.SALESTWIN_BENCH_POSTGRES_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PG_BENCH = process.env.SALESTWIN_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/salestwin_bench'


/** The request bodies of one run: 100 events each, from the shared mix (bench/event-mix.ts). */
function makeBodies(run: number): string[] {
  const bodies: string[] = []
  for (const batch of eventBatches(run, TOTAL_EVENTS, EVENTS_PER_REQUEST)) bodies.push(JSON.stringify({ batch, sentAt: new Date().toISOString() }))
  return bodies
}

async function freshPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS salestwin_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE salestwin_bench')
  await admin.end()
}

function cli(db: string, ...argv: string[]): string {
  return execFileSync(process.execPath, ['bin/salestwin.js', ...argv, '--db', db], { encoding: 'utf8', env: { ...process.env, SALESTWIN_LOG_LEVEL: 'warn' } })
}

async function startServer(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.bench/prof-server'] : []), 'bin/salestwin.js', 'serve', '--no-demo', '--port', String(PORT), '--db', db], {
    env: { ...process.env, SALESTWIN_LOG_LEVEL: 'warn', SALESTWIN_MAX_QUEUED_EVENTS: '1000000', SALESTWIN_MAX_ACK_DELAY_MS: '0' },
    stdio: ['ignore', 2, 2], // the server's log to stderr: --json stays one document on stdout
  })
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health`)).ok) return child
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('server did not start')
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024)
}

async function runOnce(store: string, run: number) {
  let db: string
  if (store === 'sqlite') db = join(mkdtempSync(join(tmpdir(), 'st-bench-')), 'bench.db')
  else {
    await freshPostgres()
    db = PG_BENCH
  }
  const writeKey = JSON.parse(cli(db, 'sources', 'create', 'bench', '--json')).writeKey as string
  const analystKey = JSON.parse(cli(db, 'keys', 'create', '--role', 'analyst', '--name', 'bench', '--json')).secret as string
  log(`[${store} run ${run}] generating ${TOTAL_EVENTS} events`)
  const bodies = makeBodies(run)
  const server = await startServer(db)
  let next = 0
  let non2xx = 0
  const started = Date.now()
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: CONNECTIONS,
    amount: bodies.length,
    timeout: 60,
    ...(RATE > 0 ? { overallRate: RATE } : {}),
    requests: [
      {
        method: 'POST',
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        setupRequest: (req) => {
          req.body = bodies[next++ % bodies.length]!
          return req
        },
        onResponse: (status: number) => {
          if (status !== 200) non2xx++
        },
      },
    ],
  })
  const seconds = (Date.now() - started) / 1000
  const rssMb = peakRssMb(server.pid!)
  const statsResponse = await fetch(`http://127.0.0.1:${PORT}/v1/stats`, { headers: { authorization: `Bearer ${analystKey}` } })
  if (!statsResponse.ok) throw new Error(`GET /v1/stats answered ${statsResponse.status}: ${await statsResponse.text()}`)
  const stats = (await statsResponse.json()) as { events: number; profiles: number }
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  const out = {
    store,
    run,
    events: TOTAL_EVENTS,
    storedEvents: stats.events,
    profiles: stats.profiles,
    seconds,
    eventsPerSecond: Math.round(stats.events / seconds),
    ackP50Ms: result.latency.p50,
    ackP99Ms: result.latency.p99,
    non2xx: non2xx + result.errors + result.timeouts,
    peakRssMb: rssMb,
  }
  log(`[${store} run ${run}] ${JSON.stringify(out)}`)
  return out
}

const results = []
for (const store of STORES) {
  const runs = []
  for (let run = 1; run <= RUNS; run++) runs.push(await runOnce(store, run))
  results.push({
    store,
    runs,
    median: {
      eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
      ackP50Ms: median(runs.map((r) => r.ackP50Ms)),
      ackP99Ms: median(runs.map((r) => r.ackP99Ms)),
      peakRssMb: median(runs.map((r) => r.peakRssMb)),
    },
  })
}
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const report = { benchmark: 'ingest', eventsPerRun: TOTAL_EVENTS, eventsPerRequest: EVENTS_PER_REQUEST, connections: CONNECTIONS, machine, results }
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else for (const r of results) log(`${r.store}: median ${r.median.eventsPerSecond} events/s, ack p50 ${r.median.ackP50Ms} ms, p99 ${r.median.ackP99Ms} ms, peak RSS ${r.median.peakRssMb} MB`)
