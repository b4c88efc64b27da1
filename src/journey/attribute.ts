import { HEURISTIC_MODELS, touchpointCredits, type HeuristicModel } from './heuristic-models.js'
import type { Journey } from './journeys.js'
import { markovAttribution } from './markov.js'
import { shapleyAttribution } from './shapley.js'

export const ATTRIBUTION_MODELS = [...HEURISTIC_MODELS, 'markov', 'shapley'] as const
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number]

export interface ChannelCredit {
  conversions: number
  value: number
}

export interface AttributionReport {
  journeys: number
  conversions: number
  value: number
  /** model → channel → credited conversions and value. */
  models: Partial<Record<AttributionModel, Record<string, ChannelCredit>>>
  /** The most frequent paths (channels joined by " > ") with their counts and conversion rates. */
  topPaths: { path: string; journeys: number; conversions: number; conversionRate: number }[]
  notes: string[]
}

/**
 * Runs the chosen models over the journeys and puts their per-channel credits side by side.
 *
 * @example
 * attribute(journeys, { models: ['last_touch', 'markov'] })
 */
export function attribute(journeys: Journey[], opts: { models: readonly AttributionModel[]; markovOrder?: number; halfLifeDays?: number; topPaths?: number }): AttributionReport {
  const converting = journeys.filter((j) => j.converted)
  const report: AttributionReport = {
    journeys: journeys.length,
    conversions: converting.length,
    value: round(converting.reduce((s, j) => s + j.value, 0)),
    models: {},
    topPaths: topPaths(journeys, opts.topPaths ?? 10),
    notes: [],
  }
  for (const model of opts.models) {
    if (model === 'markov') {
      const m = markovAttribution(journeys, opts.markovOrder ?? 1)
      report.models.markov = credits(m.conversions, m.value)
    } else if (model === 'shapley') {
      const s = shapleyAttribution(journeys)
      report.models.shapley = credits(s.conversions, s.value)
      if (!s.exact) report.notes.push(`shapley: sampled from ${s.permutations} permutations; standard errors ${JSON.stringify(s.standardErrors)}`)
    } else {
      report.models[model] = heuristic(converting, model, opts.halfLifeDays ?? 7)
    }
  }
  return report
}

function heuristic(converting: Journey[], model: HeuristicModel, halfLifeDays: number): Record<string, ChannelCredit> {
  const out: Record<string, ChannelCredit> = {}
  for (const j of converting) {
    touchpointCredits(j, model, halfLifeDays).forEach((credit, i) => {
      if (credit === 0) return
      const c = j.touchpoints[i]!.channel
      const acc = (out[c] ??= { conversions: 0, value: 0 })
      acc.conversions += credit
      acc.value += credit * j.value
    })
  }
  for (const acc of Object.values(out)) {
    acc.conversions = round(acc.conversions)
    acc.value = round(acc.value)
  }
  return out
}

function credits(conversions: Record<string, number>, value: Record<string, number>): Record<string, ChannelCredit> {
  return Object.fromEntries(Object.keys(conversions).map((c) => [c, { conversions: round(conversions[c]!), value: round(value[c] ?? 0) }]))
}

function topPaths(journeys: Journey[], limit: number): AttributionReport['topPaths'] {
  const paths = new Map<string, { journeys: number; conversions: number }>()
  for (const j of journeys) {
    const path = j.touchpoints.map((t) => t.channel).join(' > ')
    const acc = paths.get(path) ?? { journeys: 0, conversions: 0 }
    acc.journeys++
    if (j.converted) acc.conversions++
    paths.set(path, acc)
  }
  return [...paths]
    .sort((a, b) => b[1].journeys - a[1].journeys || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([path, acc]) => ({ path, ...acc, conversionRate: round(acc.conversions / acc.journeys) }))
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4
}
