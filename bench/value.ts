/**
 * npm run bench:value — fit times of the value models on CDNOW, and BG/NBD on 1,000,000 customers
 * simulated from the BG/NBD process, plus scoring all of them.
 *
 *   npm run bench:value -- [--customers 1000000] [--runs 7] [--json]
 *
 * Simulation (fixed seed 20261129, time unit days): each customer has a purchase rate
 * λ ~ Gamma(r = 0.5, scale 1/alpha, alpha = 30 days) and a drop-out probability p ~ Beta(a = 0.8,
 * b = 2.5); the first purchase starts the clock, purchases follow a Poisson process at rate λ,
 * after each purchase the customer drops out with probability p; observation lasts T ~ U(180, 545) days.
 * Recorded in days (the time unit), at full resolution: x repeat purchases, t_x the time of the
 * last, T. Rounding to whole calendar days and merging same-day purchases, as order tables do,
 * biases the fit (alpha +6 %, r +1.8 % on this population: ~5 % of purchases by heavy buyers fall
 * on the day of the previous one) — the model's continuous-time assumption, not the fitter.
 */
import { benchArg, benchArgs, log, median } from './args.js'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { Random } from '../src/core/random.js'
import { bgnbdConditionalExpected, bgnbdProbabilityAlive, fitBgNbd } from '../src/value/bgnbd.js'
import { fitGammaGamma } from '../src/value/gamma-gamma.js'
import { fitMbgNbd } from '../src/value/mbgnbd.js'
import { fitParetoNbd } from '../src/value/pareto-nbd.js'
import type { RfmData } from '../src/value/rfm-data.js'

const args = benchArgs
const arg = benchArg
const CUSTOMERS = Number(arg('customers', '1000000'))
const RUNS = Number(arg('runs', '7'))

function time<T>(label: string, runs: number, f: () => T): { ms: number; result: T; runsMs: number[] } {
  f() // warm-up: the first call includes compiling
  const runsMs: number[] = []
  let result!: T
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    result = f()
    runsMs.push(Math.round((performance.now() - t0) * 10) / 10)
  }
  log(`${label}: median ${median(runsMs)} ms (${runsMs.join(', ')})`)
  return { ms: median(runsMs), result, runsMs }
}

const rows = readFileSync('data/cdnow/cdnow_customers_summary_with_transactions.csv', 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map(Number))
const cdnow: RfmData = { x: Float64Array.from(rows, (r) => r[1]!), tx: Float64Array.from(rows, (r) => r[2]!), T: Float64Array.from(rows, (r) => r[3]!) }
const repeat = rows.filter((r) => r[1]! > 0)
const spend = { x: Float64Array.from(repeat, (r) => r[1]!), zbar: Float64Array.from(repeat, (r) => r[4]!) }

const results: Record<string, unknown> = {}
results.bgnbdCdnow = time('BG/NBD on CDNOW (2,357)', RUNS, () => fitBgNbd(cdnow)).ms
results.paretoCdnow = time('Pareto/NBD on CDNOW', RUNS, () => fitParetoNbd(cdnow)).ms
results.mbgnbdCdnow = time('MBG/NBD on CDNOW', RUNS, () => fitMbgNbd(cdnow)).ms
results.gammaGammaCdnow = time('Gamma-Gamma on CDNOW (946)', RUNS, () => fitGammaGamma(spend)).ms

const truth = { r: 0.5, alpha: 30, a: 0.8, b: 2.5 }
function simulate(n: number): RfmData {
  const rnd = new Random(20261129)
  const data: RfmData = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n) }
  for (let i = 0; i < n; i++) {
    const lambda = rnd.gamma(truth.r, 1 / truth.alpha)
    const p = rnd.beta(truth.a, truth.b)
    const T = 180 + rnd.next() * 365
    let t = 0
    let x = 0
    let last = 0
    for (;;) {
      t += rnd.exponential(lambda)
      if (t > T) break
      x++
      last = t
      if (rnd.chance(p)) break
    }
    data.x[i] = x
    data.tx[i] = last
    data.T[i] = T
  }
  return data
}
const simStart = performance.now()
const simulated = simulate(CUSTOMERS)
log(`simulated ${CUSTOMERS} customers in ${Math.round(performance.now() - simStart)} ms`)
const big = time(`BG/NBD on ${CUSTOMERS} simulated`, Math.min(RUNS, 3), () => fitBgNbd(simulated))
const recovery = Object.fromEntries(Object.entries(truth).map(([k, v]) => [k, Math.round(((big.result.params as Record<string, number>)[k]! / v - 1) * 10000) / 100]))
log(`recovered ${JSON.stringify(big.result.params)}; error % ${JSON.stringify(recovery)}`)
results.bgnbdSimulated = { customers: CUSTOMERS, ms: big.ms, params: big.result.params, truth, errorPercent: recovery }
const score = time(`scoring ${CUSTOMERS}: P(alive) + E[purchases in 365 days]`, Math.min(RUNS, 3), () => {
  let sum = 0
  for (let i = 0; i < CUSTOMERS; i++) {
    sum += bgnbdProbabilityAlive(big.result.params, simulated.x[i]!, simulated.tx[i]!, simulated.T[i]!)
    sum += bgnbdConditionalExpected(big.result.params, 365, simulated.x[i]!, simulated.tx[i]!, simulated.T[i]!)
  }
  return sum
})
results.scoreSimulatedMs = score.ms

const report = { benchmark: 'value', runs: RUNS, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }, results }
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
