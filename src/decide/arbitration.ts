import type { Campaign, Offer } from './catalog.js'
import type { OfferContent } from './catalog-schema.js'
import type { Belief, BeliefKind } from './learning/learner.js'
import type { Random } from './learning/random.js'
import { roundTo } from '../core/values.js'

/**
 * Arbitration (docs/decide.md, "The score"): the offers that passed every gate, scored with drawn
 * response rates, ranked and picked; and the contenders a decision records for its show probabilities.
 */

export interface RankedOffer {
  campaign: string
  offer: string
  name: string
  content: OfferContent | null
  /** The response rate the score used: a draw from what was learned (Thompson sampling), or the expected rate without exploration. */
  propensity: number
  /** The response rate expected from what was learned, and by which model. */
  expected: number
  model: Belief['model']
  value: number
  contextWeight: number
  levers: number
  score: number
}

/** An offer that could have been chosen: its score is worth × a rate drawn from its belief (kind, p1, p2: learner.ts beliefOf), at the campaign's temperature, or uniform on 0–1 in its exploration share. */
export type Contender = [offer: string, campaign: string, worth: number, kind: BeliefKind, p1: number, p2: number, temperature: number, share: number]

/** An offer that passed every gate, with the parts of its score that do not depend on the response rate. */
export interface Candidate {
  campaign: Campaign
  offer: Offer
  content: OfferContent | null
  belief: Belief
  value: number
  contextWeight: number
  levers: number
  /** contextWeight × value × levers: the score is this times the response rate. */
  worth: number
  /** The campaign's exploration, or the arm's temperature. */
  temperature: number
  share: number
}

/**
 * One draw of the policy's response rates: Thompson sampling at the campaign's temperature, or, in
 * its exploration share of decisions, a rate uniform on 0–1. Without randomness, the expected rates.
 */
export function drawAll(candidates: readonly Candidate[], random: Random | undefined): Float64Array {
  const p = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) p[i] = random ? drawOne(candidates[i]!, random) : candidates[i]!.belief.mean
  return p
}

/** Whether a policy with this randomness can choose differently from one decision to the next. */
export const explores = (candidates: readonly Candidate[], random: Random | undefined) => random !== undefined && candidates.some((c) => c.temperature > 0 || c.share > 0)

/** The candidates scored with these rates, best first; ties by offer id in code-unit order (localeCompare cost a tenth of a decision). */
export function rank(candidates: readonly Candidate[], p: Float64Array): RankedOffer[] {
  const ranked = candidates.map((c, i): RankedOffer => ({
    campaign: c.campaign.id,
    offer: c.offer.id,
    name: c.offer.name,
    content: c.content,
    propensity: roundTo(p[i]!, 6),
    expected: roundTo(c.belief.mean, 6),
    model: c.belief.model,
    value: roundTo(c.value, 6),
    contextWeight: c.contextWeight,
    levers: roundTo(c.levers, 6),
    score: roundTo(p[i]! * c.worth, 6),
  }))
  return ranked.sort(byScore)
}

const byScore = (a: { score: number; offer: string }, b: { score: number; offer: string }) => b.score - a.score || (a.offer < b.offer ? -1 : a.offer > b.offer ? 1 : 0)

/**
 * The candidates that can be among the top `slots` in some draw: those whose best score reaches
 * the `slots`-th best of the worst scores. The others win with negligible probability (Belief.range)
 * and are left out of the decision's policy record.
 */
export function contendersOf(candidates: readonly Candidate[], slots: number): Candidate[] {
  const lo = new Float64Array(candidates.length)
  const hi = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    const { temperature, share } = c
    const [l, h] = c.belief.range(temperature)
    lo[i] = (share > 0 ? 0 : l) * c.worth
    hi[i] = (share > 0 ? 1 : h) * c.worth
  }
  let floor = 0
  if (slots === 1) for (const l of lo) floor = Math.max(floor, l)
  else floor = [...lo].sort((a, b) => b - a)[slots - 1] ?? 0
  const out: Candidate[] = []
  for (let i = 0; i < candidates.length; i++) if (hi[i]! >= floor) out.push(candidates[i]!)
  return out
}

/** One candidate's drawn response rate (drawAll's rule for one). */
function drawOne(c: Candidate, random: Random): number {
  const { temperature, share } = c
  return share > 0 && random.next() < share ? random.next() : c.belief.draw(random, temperature)
}

/** What a decision records of a contender (PolicyRecord). */
export function contender(c: Candidate): Contender {
  const { belief } = c
  return [c.offer.id, c.campaign.id, c.worth, belief.kind, belief.p1, belief.p2, c.temperature, c.share]
}


/** The top offers, at most one per campaign unless the placement allows more. */
export function pick(ranked: RankedOffer[], n: number, manyPerCampaign: boolean): RankedOffer[] {
  const chosen: RankedOffer[] = []
  const campaigns = new Set<string>()
  for (const r of ranked) {
    if (chosen.length >= n) break
    if (!manyPerCampaign && campaigns.has(r.campaign)) continue
    chosen.push(r)
    campaigns.add(r.campaign)
  }
  return chosen
}
