/**
 * npm run bench:learning — issue 12's points 5 and 7:
 *  - the simulator at full size (src/decide/simulator): --decisions (100,000) per policy and seed,
 *    --seeds (5): profit of the learning engine against uniform random choice and static priority
 *    by campaign weight with 95 % intervals over seeds, the regret exponent against the oracle, and
 *    the calibration error of the shown offers early and late;
 *  - outcome updates per second the learner takes in process (target ≥ 50,000/s), beside its floor:
 *    the Laplace update alone on indices already encoded;
 *  - with PostgreSQL (--postgres URL, default the test database; --no-postgres to skip): the time from an
 *    outcome's example recorded on one node until the propensity another node uses has changed,
 *    both folding every --learn-seconds (1).
 *
 *   npm run bench:learning -- [--decisions 100000] [--seeds 5] [--runs 3] [--postgres URL] [--json]   (builds dist/ first)
 */
import { cpus } from 'node:os'
import { benchArg, benchArgs, log, median } from './args.js'

const compiled = <T>(module: string): Promise<T> => import(`../dist/${module}.js`) as Promise<T>
const { simulate, regretExponent, SIMULATED_POLICIES } = await compiled<typeof import('../src/decide/simulator/simulate.js')>('decide/simulator/simulate')
const { Learner } = await compiled<typeof import('../src/decide/learning/learner.js')>('decide/learning/learner')
const { laplaceUpdate } = await compiled<typeof import('../src/decide/learning/laplace.js')>('decide/learning/laplace')
const { randomSource } = await compiled<typeof import('../src/decide/learning/random.js')>('decide/learning/random')

const DECISIONS = Number(benchArg('decisions', '100000'))
const SEEDS = Array.from({ length: Number(benchArg('seeds', '5')) }, (_, i) => i + 1)
const RUNS = Number(benchArg('runs', '3'))
const POSTGRES = benchArgs.includes('--no-postgres') ? null : benchArg('postgres', process.env.SALESTWIN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
const LEARN_SECONDS = Number(benchArg('learn-seconds', '1'))

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits
/** Mean and 95 % interval, Student t. */
function interval(xs: number[]): { mean: number; low: number; high: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1))
  const t = ({ 1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262 } as Record<number, number>)[xs.length - 1] ?? 1.96
  return { mean, low: mean - (t * sd) / Math.sqrt(xs.length), high: mean + (t * sd) / Math.sqrt(xs.length) }
}
/** A ratio's interval, taken on its logarithm. */
const ratio = (a: number[], b: number[]) => {
  const i = interval(a.map((x, k) => Math.log(x / b[k]!)))
  return { geometricMean: round(Math.exp(i.mean), 2), low: round(Math.exp(i.low), 2), high: round(Math.exp(i.high), 2) }
}

// 1. The simulator.
const results = new Map<string, ReturnType<typeof simulate>[]>()
for (const policy of SIMULATED_POLICIES) {
  const started = performance.now()
  results.set(policy, SEEDS.map((seed) => simulate({ seed, decisions: DECISIONS, policy })))
  log(`simulated ${policy}: ${SEEDS.length} seeds × ${DECISIONS} decisions in ${round((performance.now() - started) / 1000, 1)} s`)
}
const profits = (p: string) => results.get(p)!.map((r) => r.profit)
const learning = results.get('learning')!
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
const simulator = {
  decisions: DECISIONS,
  seeds: SEEDS.length,
  profit: Object.fromEntries(SIMULATED_POLICIES.map((p) => [p, Math.round(mean(profits(p)))])),
  learningOverRandom: ratio(profits('learning'), profits('random')),
  learningOverStatic: ratio(profits('learning'), profits('static')),
  regretExponent: { learning: interval(learning.map((r) => regretExponent(r.checkpoints))), random: interval(results.get('random')!.map((r) => regretExponent(r.checkpoints))) },
  calibrationError: { first: round(mean(learning.map((r) => r.checkpoints[0]!.calibrationError!)), 4), last: round(mean(learning.map((r) => r.checkpoints.at(-1)!.calibrationError!)), 4) },
  predictionError: { first: round(mean(learning.map((r) => r.checkpoints[0]!.predictionError!)), 4), last: round(mean(learning.map((r) => r.checkpoints.at(-1)!.predictionError!)), 4) },
}
for (const k of ['learning', 'random'] as const) {
  const i = simulator.regretExponent[k]
  simulator.regretExponent[k] = { mean: round(i.mean), low: round(i.low), high: round(i.high) }
}
log(`simulator: learning earns ${simulator.learningOverRandom.geometricMean}× random choice (95 % ${simulator.learningOverRandom.low}–${simulator.learningOverRandom.high}), ${simulator.learningOverStatic.geometricMean}× static priority (${simulator.learningOverStatic.low}–${simulator.learningOverStatic.high}); regret exponent ${simulator.regretExponent.learning.mean} (random ${simulator.regretExponent.random.mean}); calibration error ${simulator.calibrationError.first} → ${simulator.calibrationError.last}`)

// 2. Outcome updates per second, in process: 500 offers, the default features (about 15 names per example).
const random = randomSource(7)
const names = () => ['bias', `channel=${['web', 'email', 'app', 'call_center'][random.int(0, 3)]}`, `placement=p${random.int(0, 5)}`, `cluster=c${random.int(0, 5)}`, `clv=${random.int(0, 3)}`, `pAlive=${random.int(0, 4)}`, `r=${random.int(0, 4)}`, `f=${random.int(0, 4)}`, `m=${random.int(0, 4)}`, `lastOrder=${random.int(0, 5)}`, `lastVisit=${random.int(0, 5)}`, `daypart=${random.int(0, 3)}`, `week=${random.int(0, 1)}`, `window=${random.int(0, 7)}`, `device=${random.int(0, 4)}`]
const EXAMPLES = 200_000
const examples = Array.from({ length: EXAMPLES }, (_, i) => ({ offerId: `o${i % 500}`, features: names(), label: (random.next() < 0.05 ? 1 : 0) as 0 | 1 }))
const updates: number[] = []
const floor: number[] = []
for (let r = 0; r < RUNS; r++) {
  const learner = new Learner({ minOutcomes: 50, priorVariance: 0.25 })
  let t = performance.now()
  learner.learn(examples, () => ({ alpha: 1, beta: 19 }), '2026-06-01T00:00:00.000Z')
  updates.push(EXAMPLES / ((performance.now() - t) / 1000))
  // The floor: the same updates on indices already encoded, into preallocated arrays.
  const idx = examples.map((e) => Int32Array.from(e.features, (_, k) => k * 10 + (e.features[k]!.length % 10)))
  const m = Array.from({ length: 500 }, () => new Float64Array(160))
  const q = Array.from({ length: 500 }, () => new Float64Array(160).fill(4))
  t = performance.now()
  for (let i = 0; i < EXAMPLES; i++) laplaceUpdate(m[i % 500]!, q[i % 500]!, idx[i]!, examples[i]!.label)
  floor.push(EXAMPLES / ((performance.now() - t) / 1000))
  log(`run ${r + 1}: ${Math.round(updates.at(-1)!)} outcome updates/s (the Laplace update alone: ${Math.round(floor.at(-1)!)}/s)`)
}
const outcomeUpdates = { examples: EXAMPLES, featuresPerExample: 15, perSecond: Math.round(median(updates)), laplaceAlonePerSecond: Math.round(median(floor)) }

// 3. Cross-node: an outcome on node A changes the propensity node B uses, both folding every LEARN_SECONDS.
let crossNode: { learnSeconds: number; samples: number; medianMs: number; maxMs: number } | { skipped: string } = { skipped: 'no --postgres' }
if (POSTGRES) crossNode = await measureCrossNode(POSTGRES)

const report = { benchmark: 'learning', machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, simulator, outcomeUpdates, crossNode }
log(`learning: ${outcomeUpdates.perSecond} outcome updates/s; cross-node ${JSON.stringify(crossNode)}`)
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)

async function measureCrossNode(url: string): Promise<typeof crossNode> {
  const { openPostgresStore } = await compiled<typeof import('../src/store/postgres/postgres-store.js')>('store/postgres/postgres-store')
  const { LearningLoop } = await compiled<typeof import('../src/decide/learning/loop.js')>('decide/learning/loop')
  const { compileCatalog } = await compiled<typeof import('../src/decide/catalog.js')>('decide/catalog')
  const pg = (await import('pg')).default
  const schema = `bench_learn_${Date.now().toString(36)}`
  let a, b
  try {
    a = await openPostgresStore(url, { schema, poolSize: 2 })
    b = await openPostgresStore(url, { schema, poolSize: 2 })
  } catch (err) {
    return { skipped: `PostgreSQL at ${url}: ${(err as Error).message}` }
  }
  const catalog = compileCatalog({ campaigns: [{ id: 'c', name: 'C', status: 'active', channels: ['web'], offers: [{ id: 'o', name: 'O', value: 10 }] }] }, { version: 1, purposes: ['marketing', 'personalization'] })
  const offer = catalog.offers.get('o')!
  const la = await new LearningLoop(a, { minOutcomes: 50, priorVariance: 0.25 }).load()
  const lb = await new LearningLoop(b, { minOutcomes: 50, priorVariance: 0.25 }).load()
  const errors = (err: unknown) => log(`fold failed: ${(err as Error).message}`)
  la.start(LEARN_SECONDS * 1000, () => catalog, () => new Date(), errors)
  // Node B folds too (there is nothing for it to fold): its fold reads A's newer state.
  lb.start(LEARN_SECONDS * 1000, () => catalog, () => new Date(), errors)
  const samples: number[] = []
  for (let i = 0; i < 8; i++) {
    const id = `d${i}`
    await a.write((tx) => tx.insertDecisions([{ id, profileId: null, at: new Date().toISOString(), channel: 'web', placement: 'web', catalogVersion: 1, continues: null, offers: [{ campaign: 'c', offer: 'o' }], explanation: {}, learning: { modelVersion: 0, features: ['bias'], slots: 1, manyPerCampaign: false, contenders: [] } }]))
    const before = lb.beliefs(['bias'])(offer).mean
    const t = performance.now()
    await a.write((tx) => tx.insertExamples([{ decisionId: id, offerId: 'o', label: 1, at: new Date().toISOString() }]))
    while (lb.beliefs(['bias'])(offer).mean === before) await new Promise((r) => setTimeout(r, 5))
    samples.push(performance.now() - t)
  }
  la.stop()
  lb.stop()
  await a.close()
  await b.close()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await client.end()
  return { learnSeconds: LEARN_SECONDS, samples: samples.length, medianMs: Math.round(median(samples)), maxMs: Math.round(Math.max(...samples)) }
}
