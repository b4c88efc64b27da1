import { HEURISTIC_MODELS, touchpointCredits, type HeuristicModel } from './heuristic-models.js'
import { addCredit, JourneyTally, type CreditSums } from './journey-tally.js'
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

export interface AttributeOptions {
  models: readonly AttributionModel[]
  markovOrder?: number
  halfLifeDays?: number
  topPaths?: number
  /** Also credit campaigns ("channel/campaign"). */
  byCampaign?: boolean
  /** Spend in the period by channel and by "channel/campaign", for CPA and ROAS. */
  spend?: { byChannel: Record<string, number>; byCampaign: Record<string, number> }
}

/**
 * Runs the chosen models over the journeys and puts their per-channel credits side by side.
 *
 * @example
 * attribute(journeys, { models: ['last_touch', 'markov'] })
 */
export function attribute(journeys: Iterable<Journey>, opts: AttributeOptions): AttributionReport {
  const attribution = startAttribution(opts)
  for (const j of journeys) attribution.add(j)
  return attribution.report()
}

/**
 * The same models over journeys that arrive one at a time (from the store's stream): each is folded
 * into the distinct paths by channel and by campaign as it comes, so memory follows the paths.
 */
export function startAttribution(opts: AttributeOptions): { add(journey: Journey): void; report(): AttributionReport } {
  const byChannel = new JourneyTally(opts.halfLifeDays ?? 7)
  const byCampaign = opts.byCampaign ? new JourneyTally(opts.halfLifeDays ?? 7) : null
  const campaignKey = (t: Journey['touchpoints'][number]) => `${t.channel}/${t.campaign ?? '-'}`
  return {
    add(journey) {
      byChannel.add(journey)
      byCampaign?.add(journey, campaignKey)
    },
    report() {
      const report: AttributionReport = {
        journeys: byChannel.journeys,
        conversions: byChannel.conversions,
        value: roundTo(byChannel.value, 4),
        models: {},
        topPaths: opts.topPaths === 0 ? [] : topPaths(byChannel, opts.topPaths ?? 10),
        notes: [],
      }
      report.models = runModels(byChannel, opts, report.notes, opts.spend?.byChannel)
      if (byCampaign) report.campaigns = runModels(byCampaign, opts, report.notes, opts.spend?.byCampaign)
      return report
    },
  }
}

function runModels(
  tally: JourneyTally,
  opts: { models: readonly AttributionModel[]; markovOrder?: number },
  notes: string[],
  spend: Record<string, number> | undefined,
): Partial<Record<AttributionModel, Record<string, ChannelCredit>>> {
  const out: Partial<Record<AttributionModel, Record<string, ChannelCredit>>> = {}
  for (const model of opts.models) {
    if (model === 'markov') {
      const m = markovAttribution(tally.weightedPaths(), opts.markovOrder ?? 1)
      out.markov = credits(m.conversions, m.value)
    } else if (model === 'shapley') {
      const s = shapleyAttribution(tally.weightedPaths(), { permutations: 500 })
      out.shapley = credits(s.conversions, s.value)
      if (!s.exact) notes.push(`shapley over ${s.channels.length} keys: sampled from ${s.permutations} permutations; standard errors ${JSON.stringify(roundAll(s.standardErrors))}`)
      notes.push(...negativeShapleyNotes(s.conversions))
    } else if (model === 'time_decay') {
      out.time_decay = rounded(tally.timeDecay)
    } else {
      out[model] = positional(tally, model)
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

/** A positional model's credits: the same for every journey of a path, so counted once per path. */
function positional(tally: JourneyTally, model: Exclude<HeuristicModel, 'time_decay'>): Record<string, ChannelCredit> {
  const sums: CreditSums = new Map()
  for (const path of tally.weightedPaths()) {
    if (path.conversions === 0) continue
    const journey: Journey = { touchpoints: path.channels.map((c) => ({ channel: c as Channel, campaign: null, at: 0 })), converted: true, value: 0, endsAt: 0 }
    touchpointCredits(journey, model).forEach((credit, i) => {
      if (credit !== 0) addCredit(sums, path.channels[i]!, credit * path.conversions, credit * path.value)
    })
  }
  return rounded(sums)
}

function rounded(sums: CreditSums): Record<string, ChannelCredit> {
  return Object.fromEntries([...sums].map(([key, c]) => [key, { conversions: roundTo(c.conversions, 4), value: roundTo(c.value, 4) }]))
}

function credits(conversions: Record<string, number>, value: Record<string, number>): Record<string, ChannelCredit> {
  return Object.fromEntries(Object.keys(conversions).map((c) => [c, { conversions: roundTo(conversions[c]!, 4), value: roundTo(value[c] ?? 0, 4) }]))
}

function topPaths(tally: JourneyTally, limit: number): AttributionReport['topPaths'] {
  return [...tally.weightedPaths()]
    .map((p) => ({ path: p.channels.join(' > '), journeys: p.journeys, conversions: p.conversions }))
    .sort((a, b) => b.journeys - a.journeys || (a.path < b.path ? -1 : 1))
    .slice(0, limit)
    .map((p) => ({ ...p, conversionRate: roundTo(p.conversions / p.journeys, 4) }))
}
