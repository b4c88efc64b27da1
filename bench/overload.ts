/**
 * npm run bench:overload — how collection behaves above what it can take: the sustained rate first
 * (closed loop, autocannon, shedding off: the raw capacity), then open-loop load at 2× and 5× that
 * rate (requests fired on a fixed schedule whether or not earlier ones were answered), once with
 * shedding off (the reference) and once with it on, each on a fresh store, reporting the latency of
 * accepted requests, the share refused (429 + Retry-After), errors, and /health and /v1/stats
 * latency under the load.
 *
 *   npm run bench:overload -- [--seconds 20] [--multipliers 2,5] [--runs 3] [--max-ack-delay-ms 1000] [--json]
 *
 * The server runs as its own process (`salestwin serve` from dist/) on SQLite; the load generator
 * runs in this process on the same 2 cores, so it takes CPU from the server (said in BENCHMARKS.md).
 */
import autocannon from 'autocannon'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { benchArg, benchArgs, log, median } from './args.js'
import { eventBatches } from './event-mix.js'

const SECONDS = Number(benchArg('seconds', '20'))
const MULTIPLIERS = benchArg('multipliers', '2,5').split(',').map(Number)
const RUNS = Number(benchArg('runs', '3'))
const MAX_ACK_DELAY_MS = benchArg('max-ack-delay-ms', '1000')
const JSON_OUT = benchArgs.includes('--json')
const PORT = 4951
const EVENTS_PER_REQUEST = 100

function cli(db: string, ...argv: string[]): string {
  return execFileSync(process.execPath, ['bin/salestwin.js', ...argv, '--db', db], { encoding: 'utf8', env: { ...process.env, SALESTWIN_LOG_LEVEL: 'warn' } })
}

async function startServer(db: string, maxAckDelayMs: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/salestwin.js', 'serve', '--no-demo', '--port', String(PORT), '--db', db], {
    env: { ...process.env, SALESTWIN_LOG_LEVEL: 'warn', SALESTWIN_MAX_ACK_DELAY_MS: maxAckDelayMs, SALESTWIN_VALUE_REFRESH_MINUTES: '0' },
    stdio: ['ignore', 2, 2], // the server's log to stderr: --json stays one document on stdout
  })
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/health`).then((r) => r.ok, () => false)) return child
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('server did not start')
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! * 10) / 10
}

/** Sends `body` and resolves with the status and the milliseconds to the full answer. */
function post(agent: Agent, auth: string, body: string): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: PORT, path: '/v1/batch', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: auth, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
      },
    )
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }))
    req.end(body)
  })
}

/** A GET's latency (ms) and status, for the probes that run beside the load. */
async function probe(path: string, headers: Record<string, string> = {}): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now()
  const ok = await fetch(`http://127.0.0.1:${PORT}${path}`, { headers, signal: AbortSignal.timeout(10_000) }).then((r) => r.ok, () => false)
  return { ok, ms: performance.now() - started }
}

/** A fresh store with a source and an analyst key, and a server on it. */
async function serverWith(maxAckDelayMs: string) {
  const db = join(mkdtempSync(join(tmpdir(), 'st-overload-')), 'bench.db')
  const writeKey = JSON.parse(cli(db, 'sources', 'create', 'bench', '--json')).writeKey as string
  const analystKey = JSON.parse(cli(db, 'keys', 'create', '--role', 'analyst', '--name', 'bench', '--json')).secret as string
  return { server: await startServer(db, maxAckDelayMs), auth: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, analystKey }
}

async function stopServer(server: ChildProcess): Promise<void> {
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
}

/** Open-loop load at `rate` requests/s for SECONDS, with /health and /v1/stats probed twice a second beside it. */
async function openLoop(rate: number, auth: string, analystKey: string, nextBody: () => string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2000 })
  const sends: Promise<{ status: number; ms: number }>[] = []
  const probes: Promise<{ kind: string; ok: boolean; ms: number }>[] = []
  const started = performance.now()
  // Request i leaves at i / rate seconds after the start, whatever happened to the others.
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate)
      while (sends.length < due) sends.push(post(agent, auth, nextBody()))
      if (performance.now() - started >= SECONDS * 1000) {
        clearInterval(tick)
        done()
      }
    }, 5)
    const probing = setInterval(() => {
      if (performance.now() - started >= SECONDS * 1000) return clearInterval(probing)
      probes.push(probe('/health').then((p) => ({ kind: 'health', ...p })))
      probes.push(probe('/v1/stats', { authorization: `Bearer ${analystKey}` }).then((p) => ({ kind: 'stats', ...p })))
    }, 500)
  })
  const results = await Promise.all(sends)
  const probed = await Promise.all(probes)
  agent.destroy()
  const accepted = results.filter((r) => r.status === 200)
  const refused = results.filter((r) => r.status === 429)
  return {
    offeredRequestsPerSecond: Math.round(rate * 10) / 10,
    requests: results.length,
    acceptedShare: Math.round((accepted.length / results.length) * 1000) / 1000,
    refusedShare: Math.round((refused.length / results.length) * 1000) / 1000,
    errors: results.length - accepted.length - refused.length,
    acceptedEventsPerSecond: Math.round((accepted.length * EVENTS_PER_REQUEST) / SECONDS),
    acceptedP50Ms: quantile(accepted.map((r) => r.ms), 0.5),
    acceptedP99Ms: quantile(accepted.map((r) => r.ms), 0.99),
    refusedP99Ms: quantile(refused.map((r) => r.ms), 0.99),
    healthP99Ms: quantile(probed.filter((p) => p.kind === 'health').map((p) => p.ms), 0.99),
    statsP99Ms: quantile(probed.filter((p) => p.kind === 'stats').map((p) => p.ms), 0.99),
    probesFailed: probed.filter((p) => !p.ok).length,
  }
}

async function runOnce(run: number) {
  const maxRequests = Math.ceil(SECONDS * 300 * MULTIPLIERS.reduce((a, b) => a + b, 0) * 2) + 5000
  log(`[run ${run}] generating ${maxRequests} request bodies`)
  const bodies: string[] = []
  for (const batch of eventBatches(run, maxRequests * EVENTS_PER_REQUEST, EVENTS_PER_REQUEST)) bodies.push(JSON.stringify({ batch }))
  let next = 0
  const nextBody = () => bodies[next++ % bodies.length]!
  const levels: Record<string, unknown>[] = []
  let sustainedRps = 0
  let sustainedP99 = 0
  for (const shedding of ['off', 'on'] as const) {
    const { server, auth, analystKey } = await serverWith(shedding === 'off' ? '0' : MAX_ACK_DELAY_MS)
    try {
      if (shedding === 'off') {
        // The raw capacity, closed loop: 20 connections, each sending as soon as it is answered.
        const sustained = await autocannon({
          url: `http://127.0.0.1:${PORT}`,
          connections: 20,
          duration: Math.max(5, Math.round(SECONDS / 2)),
          requests: [{ method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', authorization: auth }, setupRequest: (req) => ({ ...req, body: nextBody() }) }],
        })
        sustainedRps = sustained.requests.average
        sustainedP99 = sustained.latency.p99
        log(`[run ${run}] sustained: ${Math.round(sustainedRps * EVENTS_PER_REQUEST)} events/s (${sustainedRps.toFixed(1)} requests/s of ${EVENTS_PER_REQUEST}), p99 ${sustainedP99} ms`)
      }
      for (const m of MULTIPLIERS) {
        await new Promise((r) => setTimeout(r, 3000)) // let the queue drain
        const level = { shedding, multiplier: m, ...(await openLoop(sustainedRps * m, auth, analystKey, nextBody)) }
        log(`[run ${run}] shedding ${shedding}, ${m}×: ${JSON.stringify(level)}`)
        levels.push(level)
      }
    } finally {
      await stopServer(server)
    }
  }
  return { run, sustainedEventsPerSecond: Math.round(sustainedRps * EVENTS_PER_REQUEST), sustainedP99Ms: sustainedP99, levels }
}

const runs: Awaited<ReturnType<typeof runOnce>>[] = []
for (let run = 1; run <= RUNS; run++) runs.push(await runOnce(run))
type Level = Awaited<ReturnType<typeof openLoop>> & { shedding: string; multiplier: number }
const medianOf = (pick: (l: Level) => number | null, m: number, shedding: string) =>
  median(runs.map((r) => pick((r.levels as Level[]).find((l) => l.multiplier === m && l.shedding === shedding)!) ?? Number.NaN))
const summary = {
  sustainedEventsPerSecond: median(runs.map((r) => r.sustainedEventsPerSecond)),
  levels: (['off', 'on'] as const).flatMap((shedding) =>
    MULTIPLIERS.map((m) => ({
      shedding,
      multiplier: m,
      acceptedShare: medianOf((l) => l.acceptedShare, m, shedding),
      refusedShare: medianOf((l) => l.refusedShare, m, shedding),
      errors: medianOf((l) => l.errors, m, shedding),
      acceptedEventsPerSecond: medianOf((l) => l.acceptedEventsPerSecond, m, shedding),
      acceptedP50Ms: medianOf((l) => l.acceptedP50Ms, m, shedding),
      acceptedP99Ms: medianOf((l) => l.acceptedP99Ms, m, shedding),
      healthP99Ms: medianOf((l) => l.healthP99Ms, m, shedding),
      statsP99Ms: medianOf((l) => l.statsP99Ms, m, shedding),
      probesFailed: medianOf((l) => l.probesFailed, m, shedding),
    })),
  ),
}
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const report = { benchmark: 'overload', seconds: SECONDS, maxAckDelayMs: Number(MAX_ACK_DELAY_MS), eventsPerRequest: EVENTS_PER_REQUEST, machine, runs, median: summary }
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else log(`median: ${JSON.stringify(summary, null, 2)}`)
