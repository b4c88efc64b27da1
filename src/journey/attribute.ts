import { HEURISTIC_MODELS, touchpointCredits, type HeuristicModel } from './heuristic-models.js'
import type { Channel } from './channel.js'
import type { Journey } from './journeys.js'
import { markovAttribution } from './markov.js'
import { shapleyAttribution } from './shapley.js'
import { roundTo } from '../core/values.js'

export const ATTRIBUTION_MODELS = [...HEURISTIC_MODELS, 'markov', 'shapley'] as const
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number]

export interface ChannelCredit {
  conversions: number
  value: number
  /** With imported spend: what the channel (or campaign) cost in the period, cost per attributed conversion, value per cost. */
  cost?: number
  cpa?: number | null
  roas?: number | null
}

export interface AttributionReport {
  journeys: number
  conversions: number
  value: number
  /** model → channel → credited conversions and value. */
  models: Partial<Record<AttributionModel, Record<string, ChannelCredit>>>
  /** model → "channel/campaign" → credited conversions and value (campaign "-" when none). */
  campaigns?: Partial<Record<AttributionModel, Record<string, ChannelCredit>>>
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
export function attribute(
  journeys: Journey[],
  opts: {
    models: readonly AttributionModel[]
    markovOrder?: number
    halfLifeDays?: number
    topPaths?: number
    /** Also credit campaigns ("channel/campaign"). */
    byCampaign?: boolean
    /** Spend in the period by channel and by "channel/campaign", for CPA and ROAS. */
    spend?: { byChannel: Record<string, number>; byCampaign: Record<string, number> }
  },
): AttributionReport {
  const converting = journeys.filter((j) => j.converted)
  const report: AttributionReport = {
    journeys: journeys.length,
    conversions: converting.length,
    value: roundTo(converting.reduce((s, j) => s + j.value, 0), 4),
    models: {},
    topPaths: opts.topPaths === 0 ? [] : topPaths(journeys, opts.topPaths ?? 10),
    notes: [],
  }
  report.models = runModels(journeys, opts, report.notes, opts.spend?.byChannel)
  if (opts.byCampaign) {
    // The same models over touchpoints keyed "channel/campaign".
    const keyed = journeys.map((j) => ({ ...j, touchpoints: j.touchpoints.map((t) => ({ ...t, channel: `${t.channel}/${t.campaign ?? '-'}` as Channel })) }))
    report.campaigns = runModels(keyed, opts, report.notes, opts.spend?.byCampaign)
  }
  return report
}

function runModels(
  journeys: Journey[],
  opts: { models: readonly AttributionModel[]; markovOrder?: number; halfLifeDays?: number },
  notes: string[],
  spend: Record<string, number> | undefined,
): Partial<Record<AttributionModel, Record<string, ChannelCredit>>> {
  const converting = journeys.filter((j) => j.converted)
  const out: Partial<Record<AttributionModel, Record<string, ChannelCredit>>> = {}
  for (const model of opts.models) {
    if (model === 'markov') {
      const m = markovAttribution(journeys, opts.markovOrder ?? 1)
      out.markov = credits(m.conversions, m.value)
    } else if (model === 'shapley') {
      const s = shapleyAttribution(journeys, { permutations: 500 })
      out.shapley = credits(s.conversions, s.value)
      if (!s.exact) notes.push(`shapley over ${s.channels.length} keys: sampled from ${s.permutations} permutations; standard errors ${JSON.stringify(roundAll(s.standardErrors))}`)
      notes.push(...negativeShapleyNotes(s.conversions))
    } else {
      out[model] = heuristic(converting, model, opts.halfLifeDays ?? 7)
    }
    if (spend) addSpend(out[model]!, spend)
  }
  return out
}

/**
 * A channel with a negative Shapley credit is one whose presence, on average over the orders it
 * can join in, lowers the conversion rate of the journeys (docs/attribution.md): said in words, so
 * that no one reads the minus as a rounding error or a bug.
 */
export function negativeShapleyNotes(conversions: Record<string, number>): string[] {
  return Object.entries(conversions)
    .filter(([, n]) => n < -0.05)
    .map(
      ([channel, n]) =>
        `shapley credits ${channel} ${roundTo(n, 1)} conversions (negative): journeys that include ${channel} convert less often than the same journeys without it, so its average marginal worth is below zero. A service channel that customers reach when something went wrong often looks like this; it is a correlation in the journeys, not proof that the channel drives customers away (docs/attribution.md)`,
    )
}

/** Adds cost, CPA (cost per attributed conversion) and ROAS (attributed value per cost) where spend is known. */
function addSpend(credit: Record<string, ChannelCredit>, spend: Record<string, number>): void {
  for (const [key, cost] of Object.entries(spend)) {
    const c = (credit[key] ??= { conversions: 0, value: 0 })
    c.cost = roundTo(cost, 4)
    c.cpa = c.conversions > 0 ? roundTo(cost / c.conversions, 4) : null
    c.roas = cost > 0 ? roundTo(c.value / cost, 4) : null
  }
}

function roundAll(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, roundTo(v, 4)]))
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
    acc.conversions = roundTo(acc.conversions, 4)
    acc.value = roundTo(acc.value, 4)
  }
  return out
}

function credits(conversions: Record<string, number>, value: Record<string, number>): Record<string, ChannelCredit> {
  return Object.fromEntries(Object.keys(conversions).map((c) => [c, { conversions: roundTo(conversions[c]!, 4), value: roundTo(value[c] ?? 0, 4) }]))
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
    .map(([path, acc]) => ({ path, ...acc, conversionRate: roundTo(acc.conversions / acc.journeys, 4) }))
}
