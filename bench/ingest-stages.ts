/**
 * npm run bench:ingest-stages — where the ingest ceiling is: the same event mix as bench:ingest,
 * without HTTP, measured at three depths of the write path, each on a fresh store:
 *
 *   rows      the store's writer inserting the event rows alone (validated beforehand, profile ids
 *             given): the floor under everything else, set by the database and its indexes;
 *   identity  writeBatch: duplicate check, identity resolution, inserts (validated beforehand);
 *   collect   Collector.collect, 100 events a call, 50 calls in flight: validation, group commit,
 *             identity and inserts — bench:ingest minus HTTP.
 *
 *   npm run bench:ingest-stages -- [--events 1000000] [--store sqlite|postgres|both] [--stage rows|identity|collect|all] [--runs 3] [--json]
 *
 * Only the writing is timed in `rows` and `identity`; parsing runs between the timed parts.
 */
import { benchArg, benchArgs, log, median } from './args.js'
import { mkdtempSync } from 'node:fs'
import { cpus, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { eventBatches } from './event-mix.js'
import { loadConfig, type Config } from '../src/config/config.js'
import { openRuntime } from '../src/cli/runtime.js'
import { policyOf } from '../src/consent/rules.js'
import { parseEvent } from '../src/collect/parse-event.js'
import { writeBatch } from '../src/collect/write-batch.js'
import { identifierKey, identifierPriority } from '../src/core/identifier.js'
import { newProfileId } from '../src/core/ids.js'
import type { CollectedEvent } from '../src/core/event.js'

const TOTAL_EVENTS = Number(benchArg('events', '1000000'))
const STORES = benchArg('store', 'both') === 'both' ? ['sqlite', 'postgres'] : [benchArg('store', 'sqlite')]
const RUNS = Number(benchArg('runs', '3'))
const JSON_OUT = benchArgs.includes('--json')
const ALL_STAGES = ['rows', 'identity', 'collect'] as const
const STAGES = benchArg('stage', 'all') === 'all' ? ALL_STAGES : ALL_STAGES.filter((s) => s === benchArg('stage', 'all'))
/** Events per transaction in `rows` and `identity`: the collector's group-commit limit. */
const PER_TRANSACTION = 5000
const PER_CALL = 100
const IN_FLIGHT = 50
const PG_ADMIN = process.env.SALESTWIN_BENCH_POSTGRES_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PG_BENCH = process.env.SALESTWIN_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/salestwin_bench'

type Stage = (typeof ALL_STAGES)[number]

async function freshDb(store: string): Promise<string> {
  if (store === 'sqlite') return join(mkdtempSync(join(tmpdir(), 'st-stages-')), 'bench.db')
  const admin = new pg.Client({ connectionString: PG_ADMIN })
  await admin.connect()
  await admin.query('DROP DATABASE IF EXISTS salestwin_bench WITH (FORCE)')
  await admin.query('CREATE DATABASE salestwin_bench')
  await admin.end()
  return PG_BENCH
}

function parseAll(config: Config, batch: Record<string, unknown>[]): CollectedEvent[] {
  const ctx = {
    source: 'bench',
    receivedAt: new Date(),
    path: '',
    rules: { defaultCountry: config.defaultCountry, externalIdTraits: config.externalIdTraits },
    defaultCurrency: config.defaultCurrency,
    consentPolicy: policyOf(config),
  }
  return batch.map((raw) => {
    const out = parseEvent(raw, ctx)
    if (!out.ok) throw new Error(`the event mix has an invalid event: ${out.reason}`)
    return out.event
  })
}

async function runOnce(store: string, stage: Stage, run: number): Promise<number> {
  const config = loadConfig({ flags: { db: await freshDb(store) }, env: {} })
  const runtime = await openRuntime(config)
  const policy = { uniqueKinds: new Set(config.mergeUserIds ? [] : ['userId']) }
  // `rows` gives each person one profile id, as identity resolution would have.
  const profileOf = new Map<string, string>()
  let timedMs = 0
  try {
    if (stage === 'collect') {
      const started = performance.now()
      const inFlight = new Set<Promise<unknown>>()
      for (const batch of eventBatches(run, TOTAL_EVENTS, PER_CALL)) {
        const call = runtime.collector.collect(batch.map((raw, i) => ({ raw, path: `batch[${i}]` })), 'bench')
        inFlight.add(call)
        void call.finally(() => inFlight.delete(call))
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
      timedMs = performance.now() - started
    } else {
      for (const batch of eventBatches(run, TOTAL_EVENTS, PER_TRANSACTION)) {
        const events = parseAll(config, batch)
        const rows =
          stage === 'rows'
            ? events.map((event) => {
                const identityKey = [...event.identifiers].sort((x, y) => identifierPriority(x.kind) - identifierPriority(y.kind)).map(identifierKey)[0]!
                const person = identityKey.replace(/^.*-(\d+)$/, '$1')
                if (!profileOf.has(person)) profileOf.set(person, newProfileId())
                return { event, identityKey, profileId: profileOf.get(person)!, nameTerms: [] }
              })
            : []
        const started = performance.now()
        if (stage === 'rows') await runtime.store.write((tx) => tx.insertEvents(rows))
        else await runtime.store.write((tx) => writeBatch(tx, events, [], policy))
        timedMs += performance.now() - started
      }
    }
  } finally {
    await runtime.close()
  }
  const perSecond = Math.round(TOTAL_EVENTS / (timedMs / 1000))
  log(`[${store} ${stage} run ${run}] ${perSecond} events/s`)
  return perSecond
}

const results: { store: string; stage: Stage; runs: number[]; median: number }[] = []
for (const store of STORES) {
  for (const stage of STAGES) {
    const runs: number[] = []
    for (let run = 1; run <= RUNS; run++) runs.push(await runOnce(store, stage, run))
    results.push({ store, stage, runs, median: median(runs) })
  }
}
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const report = { benchmark: 'ingest-stages', events: TOTAL_EVENTS, eventsPerTransaction: PER_TRANSACTION, machine, results }
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else for (const r of results) log(`${r.store} ${r.stage}: median ${r.median} events/s (${r.runs.join(' · ')})`)
