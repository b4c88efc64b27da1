/**
 * npm run bench:read-side -- --db <store> — the read side on an existing store (issue 15):
 *
 *   1. `salestwin attribution --model all` and `salestwin value fit`, each as its own process with
 *      Node's default heap: wall time and peak RSS (GNU time), median of --runs;
 *   2. `salestwin refresh` once (value, attribution, consent figures kept for the API), timed;
 *   3. the endpoints the dashboard reads, each under open-loop load (--rate requests/s for
 *      --seconds, fired on schedule whatever came back): p50/p99;
 *   4. collection and profile reads under open-loop load while the server's periodic refresh runs
 *      on its worker thread, against the same load without a refresh: ack and read p99.
 *
 *   npm run bench:read-side -- --db /path/demo.db [--runs 3] [--rate 20] [--seconds 15] [--ingest-rate 20] [--parts batch,endpoints,worker,server-thread] [--json]
 *
 * --parts picks what runs (default all): `batch` (1), `refresh` (2), `endpoints` (3), `worker` and
 * `server-thread` (4, the refresh on each). Without `refresh` the store must hold a value run already
 * (the profiles to read are those it scored).
 *
 * Make the store first, e.g. `salestwin demo --customers 1000000 --db /path/demo.db`.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { benchArg, benchArgs, log, median } from './args.js'
import { eventBatches } from './event-mix.js'
import { httpLoad } from './http-load.js'

const DB = benchArg('db', '')
if (!DB) throw new Error('--db <sqlite file or postgres:// URL> is required')
const RUNS = Number(benchArg('runs', '3'))
const RATE = Number(benchArg('rate', '20'))
const SECONDS = Number(benchArg('seconds', '15'))
const INGEST_RATE = Number(benchArg('ingest-rate', '20'))
const PART_NAMES = ['batch', 'refresh', 'endpoints', 'worker', 'server-thread'] as const
const PARTS = new Set(benchArg('parts', PART_NAMES.join(',')).split(','))
for (const part of PARTS) if (!(PART_NAMES as readonly string[]).includes(part)) throw new Error(`--parts takes ${PART_NAMES.join(', ')}; got "${part}"`)
const PORT = 4952
const env = { ...process.env, SALESTWIN_LOG_LEVEL: 'warn' }

function cli(...argv: string[]): string {
  return execFileSync(process.execPath, ['bin/salestwin.js', ...argv, '--db', DB], { encoding: 'utf8', env, maxBuffer: 256 * 2 ** 20 })
}

/** Runs a CLI command under GNU time: seconds and peak RSS in MB. */
function timedRun(...argv: string[]): { seconds: number; peakRssMb: number } {
  const child = spawnSyncTime(argv)
  const line = child.split('\n').find((l) => l.startsWith('TIME '))
  if (!line) throw new Error(`no timing for ${argv.join(' ')}: ${child.slice(-500)}`)
  const [, seconds, kb] = line.split(' ')
  return { seconds: Number(seconds), peakRssMb: Math.round(Number(kb) / 1024) }
}

function spawnSyncTime(argv: string[]): string {
  const child = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, 'bin/salestwin.js', ...argv, '--db', DB, '--json'], { encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 * 2 ** 20 })
  if (child.status !== 0) throw new Error(`${argv.join(' ')} failed: ${child.stderr.slice(-1000)}`)
  return child.stderr
}

const { startServer, stopServer, timedFetch, openLoop, fromStore } = httpLoad({ port: PORT, db: DB, env })

const counts = await fromStore((s) => s.events.counts())
log(`store ${DB}: ${counts.events} events, ${counts.profiles} profiles`)

const batch: Record<string, { seconds: number; peakRssMb: number; runs: { seconds: number; peakRssMb: number }[] }> = {}
if (PARTS.has('batch')) {
  for (const [name, argv] of [['attribution', ['attribution', '--model', 'all']], ['valueFit', ['value', 'fit']]] as const) {
    const runs: { seconds: number; peakRssMb: number }[] = []
    for (let r = 0; r < RUNS; r++) {
      runs.push(timedRun(...argv))
      log(`${name} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`)
    }
    batch[name] = { seconds: median(runs.map((x) => x.seconds)), peakRssMb: median(runs.map((x) => x.peakRssMb)), runs }
  }
}

const refresh = PARTS.has('refresh') ? timedRun('refresh') : null
if (refresh) log(`salestwin refresh: ${JSON.stringify(refresh)}`)

const analyst = JSON.parse(cli('keys', 'create', '--role', 'analyst', '--name', 'bench-read-side', '--json')).secret as string
const agent = JSON.parse(cli('keys', 'create', '--role', 'agent', '--name', 'bench-read-side', '--json')).secret as string
const asAgent = { headers: { authorization: `Bearer ${agent}` } }
const writeKey = JSON.parse(cli('sources', 'create', `bench${Date.now()}`, '--json')).writeKey as string
const asAnalyst = { headers: { authorization: `Bearer ${analyst}` } }
// Profiles to read: some of those the refresh just scored.
const someProfiles = await fromStore(async (s) => (await s.values.ofKind('value')).filter((_, i) => i % 37 === 0).slice(0, 500).map((v) => v.profileId))
log(`${someProfiles.length} profiles to read`)

const endpoints = ['/v1/stats', '/v1/stats/events?from=2026-01-01&to=2026-04-01', '/v1/value', '/v1/attribution', '/v1/consent/figures', '/v1/consent/figures?interval=week', '/v1/profiles/:id']
const endpointResults: Record<string, Awaited<ReturnType<typeof openLoop>>> = {}
const server = PARTS.has('endpoints') ? await startServer({ SALESTWIN_VALUE_REFRESH_MINUTES: '0' }, () => undefined) : null
try {
  for (const path of server ? endpoints : []) {
    const as = path.includes(':id') ? asAgent : asAnalyst
    await openLoop(RATE, 2, (i) => timedFetch(path.replace(':id', someProfiles[i % someProfiles.length]!), as)) // warm-up
    endpointResults[path] = await openLoop(RATE, SECONDS, (i) => timedFetch(path.replace(':id', someProfiles[i % someProfiles.length]!), as))
    log(`${path}: ${JSON.stringify(endpointResults[path])}`)
  }
} finally {
  if (server) await stopServer(server)
}

// Collection and reads under open-loop load, before and while the periodic refresh runs: on its
// worker thread (the default), and on the server's own thread for comparison.
const bodies: string[] = []
for (const b of eventBatches(7, INGEST_RATE * 100 * 200, 100)) bodies.push(JSON.stringify({ batch: b }))
const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
async function duringRefresh(inWorker: boolean) {
  let refreshing = false
  let refreshed = false
  // The first refresh starts WARM_UP + SECONDS after the start: the first seconds warm the server up
  // under the load and are not counted; the next SECONDS are the baseline.
  const WARM_UP = 5
  const s = await startServer({ SALESTWIN_VALUE_REFRESH_MINUTES: String((WARM_UP + SECONDS) / 60), SALESTWIN_REFRESH_IN_WORKER: String(inWorker) }, (line) => {
    if (line.includes('refresh started')) refreshing = true
    if (line.includes('refreshed in') || line.includes('refresh failed')) refreshed = true
  })
  try {
    const load = (until: () => boolean) =>
      Promise.all([
        openLoop(INGEST_RATE, 0, (i) => timedFetch('/v1/batch', { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: bodies[i % bodies.length]! }), until),
        openLoop(RATE, 0, (i) => timedFetch(`/v1/profiles/${someProfiles[i % someProfiles.length]!}`, asAgent), until),
      ])
    const warmUpStarted = performance.now()
    await load(() => refreshing || performance.now() - warmUpStarted > WARM_UP * 1000)
    const [ackBefore, readBefore] = await load(() => refreshing)
    const refreshStarted = performance.now()
    const [ackDuring, readDuring] = await load(() => refreshed)
    return { inWorker, refreshSeconds: Math.round((performance.now() - refreshStarted) / 100) / 10, ackBefore, readBefore, ackDuring, readDuring }
  } finally {
    await stopServer(s)
  }
}
const refreshLoad = []
if (PARTS.has('worker')) refreshLoad.push(await duringRefresh(true))
if (PARTS.has('server-thread')) refreshLoad.push(await duringRefresh(false))
log(`during the refresh: ${JSON.stringify(refreshLoad)}`)

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const report = { benchmark: 'read-side', store: DB.startsWith('postgres') ? 'postgres' : 'sqlite', ...counts, machine, batch, refresh, endpoints: endpointResults, duringRefresh: refreshLoad }
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
