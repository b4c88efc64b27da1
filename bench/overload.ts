/**
 * npm run bench:overload — how collection behaves above what it can take: the sustained rate first
 * (closed loop, autocannon), then open-loop load at 2× and 5× that rate (requests fired on a fixed
 * schedule whether or not earlier ones were answered), reporting the latency of accepted requests,
 * the share refused (429 + Retry-After), errors, and /health and /v1/stats latency under the load.
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

async function startServer(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/salestwin.js', 'serve', '--no-demo', '--port', String(PORT), '--db', db], {
    env: { ...process.env, SALESTWIN_LOG_LEVEL: 'warn', SALESTWIN_MAX_ACK_DELAY_MS: MAX_ACK_DELAY_MS, SALESTWIN_VALUE_REFRESH_MINUTES: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/health`).then((r) => r.ok, () => false)) return child
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('server did not start')
}

const finishMs: number[] = []
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
    if (process.env.SHED_DEBUG) req.on('finish', () => finishMs.push(performance.now() - started))
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

async function runOnce(run: number) {
  const db = join(mkdtempSync(join(tmpdir(), 'st-overload-')), 'bench.db')
  const writeKey = JSON.parse(cli(db, 'sources', 'create', 'bench', '--json')).writeKey as string
  const analystKey = JSON.parse(cli(db, 'keys', 'create', '--role', 'analyst', '--name', 'bench', '--json')).secret as string
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
  const maxRequests = Math.ceil(SECONDS * 400 * Math.max(...MULTIPLIERS)) + 2000
  log(`[run ${run}] generating ${maxRequests} request bodies`)
  const bodies: string[] = []
  for (const batch of eventBatches(run, maxRequests * EVENTS_PER_REQUEST, EVENTS_PER_REQUEST)) bodies.push(JSON.stringify({ batch }))
  let next = 0
  const server = await startServer(db)
  try {
    // 1. The sustained rate, closed loop: 20 connections, each sending as soon as it is answered.
    const sustained = await autocannon({
      url: `http://127.0.0.1:${PORT}`,
      connections: 20,
      duration: Math.max(5, Math.round(SECONDS / 2)),
      requests: [{ method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', authorization: auth }, setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }) }],
    })
    const sustainedRps = sustained.requests.average * (sustained.non2xx === 0 ? 1 : (sustained.requests.total - sustained.non2xx) / sustained.requests.total)
    log(`[run ${run}] sustained: ${Math.round(sustainedRps * EVENTS_PER_REQUEST)} events/s (${sustainedRps.toFixed(1)} requests/s of ${EVENTS_PER_REQUEST}), p99 ${sustained.latency.p99} ms`)
    const levels = []
    for (const m of MULTIPLIERS) {
      await new Promise((r) => setTimeout(r, 2000)) // let the queue drain
      const rate = sustainedRps * m
      const agent = new Agent({ keepAlive: true, maxSockets: 2000 })
      const sends: Promise<{ status: number; ms: number }>[] = []
      const probes: Promise<{ kind: string; ok: boolean; ms: number }>[] = []
      const started = performance.now()
      // Open loop: request i leaves at i / rate seconds after the start, whatever happened to the others.
      await new Promise<void>((done) => {
        const tick = setInterval(() => {
          const due = Math.floor(((performance.now() - started) / 1000) * rate)
          while (sends.length < due) sends.push(post(agent, auth, bodies[next++ % bodies.length]!))
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
      const level = {
        multiplier: m,
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
      log(`[run ${run}] ${m}×: ${JSON.stringify(level)}`)
      if (process.env.SHED_DEBUG) log(`client write finished: p50 ${quantile(finishMs, 0.5)} p99 ${quantile(finishMs, 0.99)} ms`)
      levels.push(level)
    }
    return { run, sustainedEventsPerSecond: Math.round(sustainedRps * EVENTS_PER_REQUEST), sustainedP99Ms: sustained.latency.p99, levels }
  } finally {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
  }
}

const runs: Awaited<ReturnType<typeof runOnce>>[] = []
for (let run = 1; run <= RUNS; run++) runs.push(await runOnce(run))
const medianOf = (pick: (l: (typeof runs)[number]['levels'][number]) => number | null, m: number) =>
  median(runs.map((r) => pick(r.levels.find((l) => l.multiplier === m)!) ?? Number.NaN))
const summary = {
  sustainedEventsPerSecond: median(runs.map((r) => r.sustainedEventsPerSecond)),
  levels: MULTIPLIERS.map((m) => ({
    multiplier: m,
    acceptedShare: medianOf((l) => l.acceptedShare, m),
    refusedShare: medianOf((l) => l.refusedShare, m),
    errors: medianOf((l) => l.errors, m),
    acceptedEventsPerSecond: medianOf((l) => l.acceptedEventsPerSecond, m),
    acceptedP50Ms: medianOf((l) => l.acceptedP50Ms, m),
    acceptedP99Ms: medianOf((l) => l.acceptedP99Ms, m),
    healthP99Ms: medianOf((l) => l.healthP99Ms, m),
    statsP99Ms: medianOf((l) => l.statsP99Ms, m),
  })),
}
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const report = { benchmark: 'overload', seconds: SECONDS, maxAckDelayMs: Number(MAX_ACK_DELAY_MS), eventsPerRequest: EVENTS_PER_REQUEST, machine, runs, median: summary }
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else log(`median: ${JSON.stringify(summary, null, 2)}`)
