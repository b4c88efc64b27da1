/**
 * npm run bench:rules — the two rule languages issue 11 names, on our rules: CEL through
 * @marcbachmann/cel-js (what src/decide/rules.ts uses) against JSON Logic through json-logic-engine
 * in its interpreted mode (its compiled mode uses eval, which salestwin does not allow).
 * Evaluations per second of three rules over the same inputs, median of --runs, and the time to
 * compile the demo catalog's rules.
 *
 *   npm run bench:rules -- [--runs 5] [--n 200000] [--json]
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { LogicEngine } from 'json-logic-engine'
import { compileCatalog, parseCatalogText } from '../src/decide/catalog.js'
import { CONSENT_PURPOSES } from '../src/core/consent.js'
import { compileRule } from '../src/decide/rules.js'
import { ruleInputOf, NO_BEHAVIOUR, type CustomerFeatures } from '../src/decide/features.js'
import { benchArg, benchArgs, log, median } from './args.js'

const RUNS = Number(benchArg('runs', '5'))
const N = Number(benchArg('n', '200000'))

const features = (i: number): CustomerFeatures => ({
  profileId: `p${i}`,
  traits: { plan: i % 3 === 0 ? 'gold' : 'basic' },
  value: { clv: (i * 37) % 900, probabilityAlive: ((i * 13) % 100) / 100, rfm: { recency: 3, frequency: 2, monetary: 4, score: '324' } },
  behaviour: { ...NO_BEHAVIOUR, orders: i % 5, last30d: { 'Email Opened': i % 7 } },
  ledger: { records: [], suppressions: [] },
  timeZone: null,
})
const at = new Date('2026-06-10T10:00:00Z')
const celInputs = Array.from({ length: 1000 }, (_, i) => ruleInputOf(features(i), { channel: 'web', placement: 'web', at }))
// JSON Logic reads plain JSON: the same values, numbers instead of CEL's bigints and maps.
const jsonInputs = celInputs.map((x) => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? Number(v) : v instanceof Map ? Object.fromEntries(v) : v))))

const rules: { name: string; cel: string; type: 'bool' | 'double'; jsonLogic: unknown }[] = [
  { name: 'audience', cel: 'value.pAlive < 0.5 && value.clv > 50.0', type: 'bool', jsonLogic: { and: [{ '<': [{ var: 'value.pAlive' }, 0.5] }, { '>': [{ var: 'value.clv' }, 50] }] } },
  { name: 'count', cel: 'count(behaviour.last30d, "Email Opened") >= 3 && traitOr(traits, "plan", "") == "gold"', type: 'bool', jsonLogic: { and: [{ '>=': [{ var: ['behaviour.last30d.Email Opened', 0] }, 3] }, { '==': [{ var: ['traits.plan', ''] }, 'gold'] }] } },
  { name: 'value', cel: 'value.clv * 0.15', type: 'double', jsonLogic: { '*': [{ var: 'value.clv' }, 0.15] } },
]

const engine = new LogicEngine()
const rate = (fn: (i: number) => unknown) => {
  const runs: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now()
    for (let i = 0; i < N; i++) fn(i)
    runs.push(Math.round(N / ((performance.now() - started) / 1000)))
  }
  return median(runs)
}
const results = rules.map((rule) => {
  const compiled = compileRule(rule.cel, rule.type)
  if (!('evaluate' in compiled)) throw new Error(`${rule.name}: ${compiled.message}`)
  // Same answers first: the comparison is only fair if both compute the same thing.
  for (let i = 0; i < 1000; i++) {
    const a = compiled.evaluate(celInputs[i]!)
    const b = engine.run(rule.jsonLogic, jsonInputs[i])
    if (Math.abs(Number(a) - Number(b)) > 1e-9) throw new Error(`${rule.name} differs at ${i}: CEL ${String(a)}, JSON Logic ${String(b)}`)
  }
  const cel = rate((i) => compiled.evaluate(celInputs[i % 1000]!))
  const jsonLogic = rate((i) => engine.run(rule.jsonLogic, jsonInputs[i % 1000]))
  log(`${rule.name}: CEL ${cel}/s, JSON Logic ${jsonLogic}/s`)
  return { rule: rule.name, cel: rule.cel, celPerSecond: cel, jsonLogicPerSecond: jsonLogic }
})
const text = readFileSync(new URL('../data/catalog/demo.yaml', import.meta.url), 'utf8')
const compileRuns: number[] = []
for (let r = 0; r < RUNS; r++) {
  const started = performance.now()
  compileCatalog(parseCatalogText(text), { version: 1, purposes: CONSENT_PURPOSES })
  compileRuns.push(Math.round((performance.now() - started) * 10) / 10)
}
const report = { benchmark: 'rules', n: N, runs: RUNS, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, results, demoCatalogCompileMs: median(compileRuns) }
log(`demo catalog (53 campaigns, 73 offers) parsed, validated and compiled in ${report.demoCatalogCompileMs} ms`)
if (benchArgs.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
