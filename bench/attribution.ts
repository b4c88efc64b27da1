/**
 * npm run bench:attribution — every attribution model over 1,000,000 simulated journeys
 * (about 3.6 touchpoints each, 12 channels; src/journey/simulate-journeys.ts), time per model.
 *
 *   npm run bench:attribution -- [--journeys 1000000] [--runs 3] [--json]
 */
import { benchArg, benchArgs, log, median } from './args.js'
import { cpus, totalmem } from 'node:os'
import { attribute, ATTRIBUTION_MODELS } from '../src/journey/attribute.js'
import { simulateJourneys } from '../src/journey/simulate-journeys.js'

const args = benchArgs
const arg = benchArg
const JOURNEYS = Number(arg('journeys', '1000000'))
const RUNS = Number(arg('runs', '3'))

const t0 = performance.now()
const { journeys } = simulateJourneys(JOURNEYS, 11, undefined, { withTruth: false, meanExtraTouchpoints: 4 })
const touchpoints = journeys.reduce((s, j) => s + j.touchpoints.length, 0)
log(`simulated ${JOURNEYS} journeys (${(touchpoints / JOURNEYS).toFixed(2)} touchpoints each) in ${Math.round(performance.now() - t0)} ms`)

const perModel: Record<string, number> = {}
for (const model of ATTRIBUTION_MODELS) {
  const times: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now()
    attribute(journeys, { models: [model], markovOrder: 1, topPaths: 0 })
    times.push(performance.now() - start)
  }
  perModel[model] = Math.round(median(times))
  log(`${model}: median ${perModel[model]} ms (${times.map((t) => Math.round(t)).join(', ')})`)
}
const allTimes: number[] = []
for (let r = 0; r < RUNS; r++) {
  const start = performance.now()
  attribute(journeys, { models: ATTRIBUTION_MODELS })
  allTimes.push(performance.now() - start)
}
const all = Math.round(median(allTimes))
log(`all models together: median ${all} ms (${allTimes.map((t) => Math.round(t)).join(', ')})`)
const markov3: number[] = []
for (let r = 0; r < RUNS; r++) {
  const start = performance.now()
  attribute(journeys, { models: ['markov'], markovOrder: 3, topPaths: 0 })
  markov3.push(performance.now() - start)
}
log(`markov order 3: median ${Math.round(median(markov3))} ms`)
if (args.includes('--json')) {
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'attribution', journeys: JOURNEYS, touchpointsPerJourney: touchpoints / JOURNEYS, runs: RUNS, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }, perModelMs: perModel, allModelsMs: all, markovOrder3Ms: Math.round(median(markov3)) }, null, 2)}\n`,
  )
}
