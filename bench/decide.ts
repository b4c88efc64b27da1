/**
 * npm run bench:decide — issue 11's point 9 (a): decisions per second in process, on one core, and
 * their latency, for 100 active campaigns × 5 offers, each campaign with an audience rule and every
 * second offer with an eligibility rule and a rule value. Customers are --customers distinct feature
 * sets (traits, value scores, behaviour, consent ledger, a contact history), cycled.
 *
 * Then the same with each customer's profile-only rule results kept between decisions, as the
 * feature view keeps them (src/decide/feature-view.ts): the decision path's steady state.
 *
 * And with learning on (issue 12, point 7): Thompson sampling over a trained learner's regressions
 * and the Monte Carlo draws behind the logged show probabilities (target: within 20 % of the rate
 * without).
 *
 * Beside it, in the same run, the floor: the same rules evaluated alone (what CEL costs per
 * decision), so the ratio holds on a noisy machine.
 *
 *   npm run bench:decide -- [--customers 10000] [--seconds 10] [--runs 3] [--outcomes 100] [--json]   (builds dist/ first)
 */
import { cpus } from 'node:os'
import type { CustomerFeatures } from '../src/decide/features.js'
import type { PastDecision } from '../src/decide/history.js'
import { CONSENT_PURPOSES, type ConsentRecord } from '../src/core/consent.js'
import { benchArg, benchArgs, log, median } from './args.js'

// The compiled code (dist/, `npm run build` first), as the server runs it: tsx's transform keeps
// function names at run time (esbuild's keepNames), which alone cost the engine's per-decision
// closures about 30 % (3,687/s from source against 5,100/s compiled, same run of the view loop).
const compiled = <T>(module: string): Promise<T> => import(`../dist/${module}.js`) as Promise<T>
const { compileCatalog } = await compiled<typeof import('../src/decide/catalog.js')>('decide/catalog')
const { decide } = await compiled<typeof import('../src/decide/engine.js')>('decide/engine')
const { NO_BEHAVIOUR, RuleMemo, ruleInputOf } = await compiled<typeof import('../src/decide/features.js')>('decide/features')
const { consentPolicy } = await compiled<typeof import('../src/consent/rules.js')>('consent/rules')
const { knownRate, Learner } = await compiled<typeof import('../src/decide/learning/learner.js')>('decide/learning/learner')
const { randomSource } = await compiled<typeof import('../src/decide/learning/random.js')>('decide/learning/random')
const { contextFeatures } = await compiled<typeof import('../src/decide/learning/context.js')>('decide/learning/context')

const CUSTOMERS = Number(benchArg('customers', '10000'))
const SECONDS = Number(benchArg('seconds', '10'))
const RUNS = Number(benchArg('runs', '3'))
/** Outcomes per offer the learner has seen before the learning-on runs: few leave its posteriors wide (many contenders per decision). */
const OUTCOMES = Number(benchArg('outcomes', '100'))
const policy = consentPolicy({ jurisdiction: 'DE' })
const channels = ['web', 'email', 'call_center', 'in_store'] as const

const campaigns = Array.from({ length: 100 }, (_, c) => ({
  id: `c${c}`,
  name: `Campaign ${c}`,
  status: 'active',
  weight: (c * 7) % 60,
  audience: [`value.pAlive < 0.${(c % 9) + 1}`, `value.clv > ${(c % 10) * 50}.0`, `behaviour.orders >= ${c % 4}`, `count(behaviour.last30d, "Email Opened") >= ${c % 3}`][c % 4],
  channels: [channels[c % 4], channels[(c + 1) % 4], 'call_center'].filter((x, i, a) => a.indexOf(x) === i),
  caps: { perCustomer: 3 },
  offers: Array.from({ length: 5 }, (_, o) => ({
    id: `c${c}-o${o}`,
    name: `Offer ${o}`,
    value: o % 2 === 0 ? 10 + o * 5 : `value.clv * 0.0${o + 1}`,
    cost: 1,
    ...(o % 2 === 1 ? { eligibility: `traitOr(traits, "plan", "") != "none" && behaviour.daysSinceLastOrder < ${100 + o * 30}.0` } : {}),
  })),
}))
const catalog = compileCatalog({ campaigns }, { version: 1, purposes: CONSENT_PURPOSES })
const record = (purpose: string, channel: string, state: 'opt_in' | 'opt_out'): ConsentRecord => ({ id: 1, purpose, channel: channel as ConsentRecord['channel'], state, legalBasis: 'consent', source: 'bench', occurredAt: '2026-01-01T00:00:00Z', recordedAt: '2026-01-01T00:00:00Z', evidence: { type: 'bench' }, messageId: null })
const now = new Date('2026-06-10T10:00:00Z')
const customers = Array.from({ length: CUSTOMERS }, (_, i): { features: CustomerFeatures; past: PastDecision[] } => ({
  features: {
    profileId: `p${i}`,
    traits: { plan: i % 5 === 0 ? 'none' : 'basic', city: 'Berlin' },
    value: { clv: (i * 37) % 900, probabilityAlive: ((i * 13) % 100) / 100, rfm: { recency: 3, frequency: 2, monetary: 4, score: '324' } },
    behaviour: { ...NO_BEHAVIOUR, orders: i % 6, lastOrderAt: new Date(now.getTime() - ((i * 11) % 300) * 86_400_000).toISOString(), last30d: { 'Email Opened': i % 5 } },
    ledger: { records: i % 3 === 0 ? [record('personalization', 'all', 'opt_in'), record('marketing', 'all', 'opt_in')] : i % 3 === 1 ? [record('marketing', 'all', 'opt_out')] : [], suppressions: [] },
    timeZone: 'Europe/Berlin',
  },
  past: i % 4 === 0 ? [{ id: `d${i}`, at: new Date(now.getTime() - 10 * 86_400_000).toISOString(), channel: 'email', offers: [{ offerId: 'c1-o0', campaignId: 'c1' }], outcomes: [], continues: null }] : [],
}))
const inputs = (i: number) => ({ catalog, policy, features: customers[i % CUSTOMERS]!.features, past: customers[i % CUSTOMERS]!.past, usage: () => ({ total: 0, today: 0 }), propensity: () => () => knownRate(0.05) })
// As the decision path has them from the feature view: each customer's profile-only rule results kept between decisions.
const memos = customers.map(() => new RuleMemo(catalog.version, catalog.rules))
const viewInputs = (i: number) => ({ ...inputs(i), features: { ...customers[i % CUSTOMERS]!.features, memo: memos[i % CUSTOMERS]! } })
// Learning on: the propensities of a learner that has seen --outcomes (100) outcomes of every offer (so each is
// scored by its regression), Thompson sampling and the catalog's 64 Monte Carlo draws of the
// policy for the logged show probabilities — the server's decision path with learning.
const learner = new Learner({ minOutcomes: 50, priorVariance: 0.25 })
{
  const random = randomSource(1)
  const examples = []
  for (const offer of catalog.offers.values()) {
    for (let k = 0; k < OUTCOMES; k++) {
      const c = random.pick(customers)
      const channel = random.pick(channels)
      examples.push({ offerId: offer.id, features: contextFeatures(ruleInputOf(c.features, { channel, placement: channel, at: now }), catalog.spec.learning.features), label: (random.next() < 0.05 ? 1 : 0) as 0 | 1 })
    }
  }
  learner.learn(examples, () => ({ alpha: 1, beta: 19 }), now.toISOString())
}
const policyRandom = randomSource(2)
const learningInputs = (i: number) => ({
  ...viewInputs(i),
  propensity: (features: readonly string[]) => {
    const x = learner.encode(features)
    return (offer: { id: string; prior: { alpha: number; beta: number } }) => learner.belief(offer, x)
  },
  random: policyRandom,
})

function measure(run: (i: number) => void): { perSecond: number; p50Us: number; p99Us: number } {
  const latencies: number[] = []
  const started = performance.now()
  let i = 0
  while (performance.now() - started < SECONDS * 1000) {
    const t = performance.now()
    run(i++)
    latencies.push((performance.now() - t) * 1000)
  }
  latencies.sort((a, b) => a - b)
  return { perSecond: Math.round(i / ((performance.now() - started) / 1000)), p50Us: Math.round(latencies[Math.floor(latencies.length * 0.5)]!), p99Us: Math.round(latencies[Math.floor(latencies.length * 0.99)]!) }
}

const rules = catalog.campaigns.flatMap((c) => [c.audience, ...c.offers.flatMap((o) => [o.eligibility, typeof o.value === 'number' ? null : o.value])]).filter((r) => r !== null)
const engineRuns: ReturnType<typeof measure>[] = []
const viewRuns: ReturnType<typeof measure>[] = []
const learningRuns: ReturnType<typeof measure>[] = []
// The view's steady state: every customer decided once before, so the memos hold their profile-only rules.
for (let i = 0; i < CUSTOMERS; i++) decide({ channel: channels[i % 4]!, placement: channels[i % 4]!, at: now }, 3, viewInputs(i))
const floorRuns: ReturnType<typeof measure>[] = []
let evaluated = 0
for (let r = 0; r < RUNS; r++) {
  engineRuns.push(measure((i) => void decide({ channel: channels[i % 4]!, placement: channels[i % 4]!, at: now }, 3, inputs(i))))
  // Warm: every customer decided once before (the first run's first pass fills the memos).
  viewRuns.push(measure((i) => void decide({ channel: channels[i % 4]!, placement: channels[i % 4]!, at: now }, 3, viewInputs(i))))
  learningRuns.push(measure((i) => void decide({ channel: channels[i % 4]!, placement: channels[i % 4]!, at: now }, 3, learningInputs(i))))
  // The floor: every rule of the catalog once per decision, on the same inputs, nothing else.
  floorRuns.push(
    measure((i) => {
      const input = ruleInputOf(customers[i % CUSTOMERS]!.features, { channel: channels[i % 4]!, placement: channels[i % 4]!, at: now })
      for (const rule of rules) {
        try {
          rule.evaluate(input)
        } catch {
          // a rule error counts as evaluated
        }
      }
    }),
  )
  log(`run ${r + 1}: engine ${JSON.stringify(engineRuns.at(-1))}, with the feature view's rule memo ${JSON.stringify(viewRuns.at(-1))}, and learning on ${JSON.stringify(learningRuns.at(-1))}, every rule alone ${JSON.stringify(floorRuns.at(-1))}`)
}
// Campaigns and offers a decision explains (excluded or ranked): those excluded early skip their rules.
for (let i = 0; i < 1000; i++) {
  const d = decide({ channel: channels[i % 4]!, placement: channels[i % 4]!, at: now }, 3, inputs(i))
  evaluated += d.explanation.ranked.length + d.explanation.excluded.length
}
const pick = (xs: ReturnType<typeof measure>[]) => ({ perSecond: median(xs.map((x) => x.perSecond)), p50Us: median(xs.map((x) => x.p50Us)), p99Us: median(xs.map((x) => x.p99Us)) })
const report = {
  benchmark: 'decide',
  campaigns: catalog.campaigns.length,
  offers: catalog.offers.size,
  rules: rules.length,
  customers: CUSTOMERS,
  candidatesPerDecision: Math.round(evaluated / 1000),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  learnedOutcomesPerOffer: OUTCOMES,
  engine: pick(engineRuns),
  engineWithView: pick(viewRuns),
  engineWithViewLearning: pick(learningRuns),
  everyRuleAlone: pick(floorRuns),
}
log(`decide: ${report.engine.perSecond}/s (p50 ${report.engine.p50Us} µs, p99 ${report.engine.p99Us} µs); with the view's rule memo ${report.engineWithView.perSecond}/s (p50 ${report.engineWithView.p50Us} µs, p99 ${report.engineWithView.p99Us} µs); and learning on ${report.engineWithViewLearning.perSecond}/s (p50 ${report.engineWithViewLearning.p50Us} µs, p99 ${report.engineWithViewLearning.p99Us} µs, ${Math.round((100 * report.engineWithViewLearning.perSecond) / report.engineWithView.perSecond)} % of the rate without); the catalog's ${rules.length} rules alone: ${report.everyRuleAlone.perSecond}/s`)
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
