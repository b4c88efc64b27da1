import type { PolicyRecord } from '../engine.js'
import { beliefOf } from './learner.js'
import { randomSource, type Random } from './random.js'

/**
 * The probability that a decision's policy shows each of `offers` in its context (docs/decide.md,
 * "Learning"): the share of `draws` fresh draws of the whole policy — every contender's rate drawn
 * as the decision recorded, scored, the top `slots` taken as the engine takes them — that choose
 * the offer; at least one draw's worth (1/draws), so that no probability is ~0. A deterministic
 * decision (no contenders recorded) showed its offers with probability 1.
 */
export function showProbabilities(record: PolicyRecord, offers: readonly string[], opts: { draws?: number; random?: Random } = {}): Record<string, number> {
  const out: Record<string, number> = {}
  if (record.contenders.length === 0) {
    for (const o of offers) out[o] = 1
    return out
  }
  const draws = opts.draws ?? 1000
  const random = opts.random ?? randomSource()
  // In offer-id order, so that ties go as in the engine's ranking.
  const contenders = [...record.contenders].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([offer, campaign, worth, kind, p1, p2, temperature, share]) => ({ offer, campaign, worth, belief: beliefOf(kind, p1, p2), temperature, share }))
  const hits = new Map(offers.map((o) => [o, 0]))
  const scores = new Float64Array(contenders.length)
  const taken = new Uint8Array(contenders.length)
  for (let d = 0; d < draws; d++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[k]!
      scores[k] = (c.share > 0 && random.next() < c.share ? random.next() : c.belief.draw(random, c.temperature)) * c.worth
    }
    // The top `slots` by repeated selection (slots are few), one per campaign unless the placement allows more.
    taken.fill(0)
    const campaigns = new Set<string>()
    for (let shown = 0; shown < record.slots; shown++) {
      let best = -1
      for (let k = 0; k < contenders.length; k++) {
        if (taken[k] || (!record.manyPerCampaign && campaigns.has(contenders[k]!.campaign))) continue
        if (best < 0 || scores[k]! > scores[best]!) best = k
      }
      if (best < 0) break
      taken[best] = 1
      campaigns.add(contenders[best]!.campaign)
      const h = hits.get(contenders[best]!.offer)
      if (h !== undefined) hits.set(contenders[best]!.offer, h + 1)
    }
  }
  for (const [offer, h] of hits) out[offer] = Math.max(h, 1) / draws
  return out
}
