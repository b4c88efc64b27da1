/**
 * npm run bench:decide-http — issue 11's point 9 (b): POST /v1/decide over HTTP under open-loop load
 * (requests fired on schedule at a fixed rate, whatever came back) on a demo store with its catalog,
 * for demo customers on the call-center channel (every decision stored, volume reserved). For each
 * --rates step: p50, p99 and failures over --seconds, after a short warm-up at that rate. Beside
 * it, in the same run, the floor: GET /health at the same rate (the HTTP stack and the load
 * generator alone).
 *
 *   npm run bench:decide-http -- --db /path/demo.db [--rates 100,250,500,1000,2000] [--seconds 10] [--views on,off] [--json]
 *
 * Make the store first: `salestwin demo --customers 20000 --db /path/demo.db` (it applies the demo catalog).
 */
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import { benchArg, benchArgs, log } from './args.js'
import { httpLoad } from './http-load.js'

const DB = benchArg('db', '')
if (!DB) throw new Error('--db <a demo store> is required')
const RATES = benchArg('rates', '100,250,500,1000,2000').split(',').map(Number)
const SECONDS = Number(benchArg('seconds', '10'))
const PORT = 4953
const env = { ...process.env, SALESTWIN_LOG_LEVEL: 'warn' }
const { startServer, stopServer, timedFetch, openLoop, fromStore } = httpLoad({ port: PORT, db: DB, env })

const cli = (...argv: string[]) => execFileSync(process.execPath, ['bin/salestwin.js', ...argv, '--db', DB], { encoding: 'utf8', env })
const agent = JSON.parse(cli('keys', 'create', '--role', 'agent', '--name', 'bench-decide', '--json')).secret as string
const profiles = await fromStore(async (s) => s.profiles.liveIds(null, 5000))
if (profiles.length === 0) throw new Error(`${DB} has no profiles: load the demo first`)
log(`${profiles.length} customers to decide for`)

const headers = { authorization: `Bearer ${agent}`, 'content-type': 'application/json' }
// With the feature view (the default) and, beside it in the same run, without (every decision reads
// the customer from the store): --views on,off.
const VIEWS = benchArg('views', 'on,off').split(',')
const runs: Record<string, unknown[]> = {}
const highest: Record<string, number | null> = {}
for (const view of VIEWS) {
  const server = await startServer({ SALESTWIN_VALUE_REFRESH_MINUTES: '0', ...(view === 'off' ? { SALESTWIN_DECIDE_VIEW_PROFILES: '0' } : {}) })
  const steps = []
  try {
    for (const rate of RATES) {
      const decide = (i: number) => timedFetch('/v1/decide', { method: 'POST', headers, body: JSON.stringify({ profileId: profiles[(i * 7919) % profiles.length], channel: 'call_center' }) })
      await openLoop(rate, 2, decide) // warm-up
      const decisions = await openLoop(rate, SECONDS, decide)
      const floor = await openLoop(rate, SECONDS, () => timedFetch('/health', {}))
      steps.push({ rate, decisions, health: floor })
      log(`view ${view}, ${rate}/s: decide ${JSON.stringify(decisions)}; /health ${JSON.stringify(floor)}`)
    }
  } finally {
    await stopServer(server)
  }
  runs[view] = steps
  const underFifty = steps.filter((s) => s.decisions.failed === 0 && (s.decisions.p99Ms ?? Infinity) < 50).map((s) => s.rate)
  highest[view] = underFifty.length > 0 ? Math.max(...underFifty) : null
  log(`view ${view}: highest rate with p99 < 50 ms: ${highest[view] ?? 'none of those tried'}`)
}
const report = { benchmark: 'decide-http', store: DB.startsWith('postgres') ? 'postgres' : 'sqlite', customers: profiles.length, seconds: SECONDS, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, runs, highestRateWithP99Under50Ms: highest }
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
