import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Estimate, OffPolicyEstimates } from '../decide/offpolicy/estimators.js'
import { readObd } from '../decide/offpolicy/obd.js'
import { evaluateLearner, validateOnBts, type BtsValidation, type LearnerEvaluation } from '../decide/offpolicy/obd-evaluation.js'

export interface EvaluateFlags {
  data: string
  bts?: string
  bootstrap?: number
  seed?: number
}

export interface EvaluateReport {
  data: string
  /** Point 6 (a), when a Bernoulli-TS log of the campaign is there. */
  validation: BtsValidation | null
  learner: LearnerEvaluation
}

/**
 * `salestwin decide evaluate --data data/obd/random/men` (docs/decide.md, "Off-policy evaluation"):
 * the estimators checked against the Bernoulli-TS policy's on-policy value (its log is looked for at
 * `--bts`, else beside the random one: data/obd/bts/men), and salestwin's learner evaluated off-policy.
 */
export async function evaluateOffPolicy(flags: EvaluateFlags): Promise<EvaluateReport> {
  const opts = { bootstrap: flags.bootstrap ?? 1000, seed: flags.seed ?? 1 }
  const log = await readObd(flags.data)
  const beside = join(dirname(dirname(flags.data.replace(/\/+$/, ''))), 'bts', basename(flags.data.replace(/\/+$/, '')))
  const btsDir = flags.bts ?? (existsSync(beside) ? beside : undefined)
  const validation = btsDir ? validateOnBts(log, await readObd(btsDir), opts) : null
  return { data: flags.data, validation, learner: evaluateLearner(log, opts) }
}

const pct = (x: number) => `${(100 * x).toFixed(3)} %`
const range = (e: Estimate) => `${pct(e.value)} (95 % ${pct(e.low)}–${pct(e.high)})`
const rows = (e: OffPolicyEstimates) => (['ipw', 'snipw', 'dr'] as const).filter((k) => e[k]).map((k) => `    ${k.padEnd(6)} ${range(e[k]!)}`)

export function formatEvaluate(r: EvaluateReport): string {
  const lines = [`off-policy evaluation on ${r.data} (${r.learner.trainRounds + r.learner.testRounds} rounds)`]
  if (r.validation) {
    const v = r.validation
    lines.push(`  Bernoulli-TS estimated from the random log; its own click rate ${range(v.onPolicy)}:`)
    for (const k of ['ipw', 'snipw', 'dr'] as const) {
      const e = v.estimates[k]
      if (e) lines.push(`    ${k.padEnd(6)} ${range(e)}  relative error ${(100 * v.checked[k].relativeError).toFixed(1)} %, ${v.checked[k].covered ? 'inside' : 'OUTSIDE'} the interval`)
    }
  }
  const l = r.learner
  lines.push(`  salestwin's learner, trained on the first ${l.trainRounds} rounds, on the last ${l.testRounds}; the random policy's own click rate there ${range(l.random)}:`)
  lines.push('  greedy:', ...rows(l.greedy), '  Thompson sampling:', ...rows(l.thompson))
  return lines.join('\n')
}
