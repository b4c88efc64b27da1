import { consentPolicy } from '../../consent/rules.js'
import { decide, type RankedOffer } from '../engine.js'
import { ruleInputOf } from '../features.js'
import { contextFeatures } from '../learning/context.js'
import { knownRate, Learner, type Example } from '../learning/learner.js'
import { randomSource } from '../learning/random.js'
import { makeWorld } from './world.js'
import { roundTo } from '../../core/values.js'

/** The engine learning (Thompson sampling over the Bayesian regression), uniform choice among eligible offers, or static priority by campaign weight. */
export const SIMULATED_POLICIES = ['learning', 'random', 'static'] as const
export type SimulatedPolicy = (typeof SIMULATED_POLICIES)[number]

export interface SimulationOptions {
  seed: number
  decisions: number
  policy: SimulatedPolicy
  /** The learner folds its examples every this many decisions (the server folds every few seconds). */
  foldEvery?: number
  /** A checkpoint every this many decisions. */
  every?: number
  campaigns?: number
  offersPerCampaign?: number
  /** The catalog's learning settings, for trying others (minOutcomes, priorVariance). */
  learning?: Record<string, unknown>
}

export interface Checkpoint {
  decisions: number
  /** Expected profit so far: Σ true rate × net value of the offer shown. */
  profit: number
  /** Σ (oracle's expected score − the shown offer's), the oracle knowing the true rates. */
  regret: number
  /** Expected calibration error of the shown offers' predicted rates in the period since the last checkpoint (deciles), null without a model. */
  calibrationError: number | null
  /**
   * Mean |expected − true rate| of what the model believes now about the offers that matter: on
   * a fixed set of visits, each with the offer the oracle would show. Null without a model.
   */
  predictionError: number | null
}

export interface SimulationResult {
  policy: SimulatedPolicy
  seed: number
  decisions: number
  profit: number
  /** Profit from the simulated responses (Bernoulli draws of the true rates). */
  realizedProfit: number
  regret: number
  checkpoints: Checkpoint[]
}

const POLICY = consentPolicy({ jurisdiction: 'DE' })

/**
 * Runs one policy over simulated visits (docs/decide.md, "Simulator"): the world and its visits
 * depend on the seed only, so every policy meets the same customers at the same times.
 */
export function simulate(opts: SimulationOptions): SimulationResult {
  const world = makeWorld({ seed: opts.seed, ...(opts.campaigns ? { campaigns: opts.campaigns } : {}), ...(opts.offersPerCampaign ? { offersPerCampaign: opts.offersPerCampaign } : {}), ...(opts.learning ? { learning: opts.learning } : {}) })
  const visits = randomSource(opts.seed + 1)
  const responses = randomSource(opts.seed + 2)
  const choices = randomSource(opts.seed + 3)
  const { minOutcomes, priorVariance } = world.catalog.spec.learning
  const learner = new Learner({ minOutcomes, priorVariance })
  const priorOf = (id: string) => world.catalog.offers.get(id)!.prior
  const foldEvery = opts.foldEvery ?? 500
  const every = opts.every ?? Math.max(1, Math.floor(opts.decisions / 20))
  // The fixed visits the model is judged on, with the offer the oracle shows each (its own seed).
  const judging = randomSource(opts.seed + 4)
  const judged = Array.from({ length: 300 }, () => world.visit(judging))
  const judge = judged.map((visit) => {
    const ctx = { channel: 'web' as const, placement: 'web', at: visit.at }
    const ranked = decide(ctx, 1, { catalog: world.catalog, features: visit.features, past: [], policy: POLICY, usage: () => ({ total: 0, today: 0 }), propensity: () => () => knownRate(1) }).explanation.ranked
    let best = ranked[0]!
    for (const r of ranked) if (world.truth(r.offer, visit) * r.value * r.levers > world.truth(best.offer, visit) * best.value * best.levers) best = r
    return { offer: world.catalog.offers.get(best.offer)!, truth: world.truth(best.offer, visit), features: contextFeatures(ruleInputOf(visit.features, ctx), world.catalog.spec.learning.features) }
  })
  const modelError = () => judge.reduce((s, j) => s + Math.abs(learner.belief(j.offer, learner.encode(j.features)).mean - j.truth), 0) / judge.length
  const pending: Example[] = []
  const window: { predicted: number; truth: number }[] = []
  const result: SimulationResult = { policy: opts.policy, seed: opts.seed, decisions: opts.decisions, profit: 0, realizedProfit: 0, regret: 0, checkpoints: [] }
  for (let t = 1; t <= opts.decisions; t++) {
    const visit = world.visit(visits)
    const learning = opts.policy === 'learning'
    const d = decide({ channel: 'web', placement: 'web', at: visit.at }, 1, {
      catalog: world.catalog,
      features: visit.features,
      past: [],
      policy: POLICY,
      usage: () => ({ total: 0, today: 0 }),
      propensity: (features) => {
        const x = learner.encode(features)
        return (offer) => learner.belief(offer, x)
      },
      ...(learning ? { random: choices } : {}),
    })
    const ranked = d.explanation.ranked
    const shown = learning ? d.offers[0] : opts.policy === 'random' ? ranked[choices.int(0, ranked.length - 1)] : staticChoice(ranked)
    if (!shown) continue
    const truth = (r: RankedOffer) => world.truth(r.offer, visit)
    const worth = (r: RankedOffer) => r.value * r.contextWeight * r.levers
    let best = 0
    for (const r of ranked) best = Math.max(best, truth(r) * worth(r))
    const p = truth(shown)
    const responded = responses.next() < p
    result.profit += p * shown.value
    result.realizedProfit += responded ? shown.value : 0
    result.regret += best - p * worth(shown)
    if (learning) {
      window.push({ predicted: shown.expected, truth: p })
      pending.push({ offerId: shown.offer, features: d.explanation.policy.features, label: responded ? 1 : 0 })
      if (pending.length >= foldEvery) learner.learn(pending.splice(0), priorOf, visit.at.toISOString())
    }
    if (t % every === 0 || t === opts.decisions) {
      const rows = window.splice(0)
      result.checkpoints.push({
        decisions: t,
        profit: roundTo(result.profit, 6),
        regret: roundTo(result.regret, 6),
        calibrationError: learning ? calibrationError(rows) : null,
        predictionError: learning ? roundTo(modelError(), 6) : null,
      })
    }
  }
  result.profit = roundTo(result.profit, 6)
  result.realizedProfit = roundTo(result.realizedProfit, 6)
  result.regret = roundTo(result.regret, 6)
  return result
}

/** Static priority: the offer of the campaign with the highest weight, its most valuable offer first. */
function staticChoice(ranked: readonly RankedOffer[]): RankedOffer | undefined {
  return [...ranked].sort((a, b) => b.levers - a.levers || b.value - a.value)[0]
}

/** Σ over predicted-rate deciles of |mean predicted − mean true rate|, weighted by the decile's share. */
export function calibrationError(rows: readonly { predicted: number; truth: number }[]): number | null {
  if (rows.length < 10) return null
  const sorted = [...rows].sort((a, b) => a.predicted - b.predicted)
  let error = 0
  for (let b = 0; b < 10; b++) {
    const bin = sorted.slice(Math.floor((b * sorted.length) / 10), Math.floor(((b + 1) * sorted.length) / 10))
    const mean = (f: (r: { predicted: number; truth: number }) => number) => bin.reduce((s, r) => s + f(r), 0) / bin.length
    error += (bin.length / sorted.length) * Math.abs(mean((r) => r.predicted) - mean((r) => r.truth))
  }
  return roundTo(error, 6)
}

/**
 * The exponent a of regret ~ c·tᵃ, by least squares on log–log over the checkpoints after the
 * first tenth (a < 1: the regret grows sublinearly, the policy learns).
 */
export function regretExponent(checkpoints: readonly Checkpoint[]): number {
  const points = checkpoints.filter((c) => c.decisions >= checkpoints.at(-1)!.decisions / 10 && c.regret > 0).map((c) => [Math.log(c.decisions), Math.log(c.regret)] as const)
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length
  const my = points.reduce((s, p) => s + p[1], 0) / points.length
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0)
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0)
  return roundTo(sxy / sxx, 6)
}

