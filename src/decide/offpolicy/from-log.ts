import { AppError } from '../../core/errors.js'
import type { Store } from '../../store/store.js'
import type { Catalog } from '../catalog.js'
import type { Explanation, PolicyRecord, RankedOffer } from '../engine.js'
import { randomSource } from '../learning/random.js'
import { showProbabilities } from '../learning/show-probability.js'
import { offPolicyEstimates, onPolicyValue, type Estimate, type OffPolicyEstimates } from './estimators.js'

/** Challengers a log can be evaluated for: deterministic rankings of the logged candidates. */
export const CHALLENGERS = ['greedy', 'prior', 'static'] as const
export type Challenger = (typeof CHALLENGERS)[number]

export interface FromLogReport {
  since: string
  policy: Challenger
  /** Finished single-offer showings of the log with a recorded policy. */
  rounds: number
  /** The logged policy's own value: its showings' mean response. */
  logged: Estimate
  challenger: Pick<OffPolicyEstimates, 'ipw' | 'snipw'>
  /** Rounds where the challenger would have shown the logged offer. */
  agreements: number
}

/**
 * Estimates a challenger's value on salestwin's own decision log (docs/decide.md, "Off-policy
 * evaluation"): each finished showing of a one-offer decision, weighted by the challenger's
 * probability of showing the logged offer over the logged policy's (computed from the decision's
 * recorded distribution, learning/show-probability.ts). Challengers rank the decision's logged
 * candidates: `greedy` by expected rate × worth (the engine without exploration), `prior` by the
 * offer's Beta prior mean × worth (no learning), `static` by worth alone (value × weights).
 */
export async function evaluateFromLog(store: Store, catalog: Catalog | null, opts: { policy: string; since: string; limit?: number; draws?: number; bootstrap?: number; seed?: number }): Promise<FromLogReport> {
  if (!(CHALLENGERS as readonly string[]).includes(opts.policy)) throw new AppError('REQUEST_INVALID', `--policy must be one of ${CHALLENGERS.join(', ')}, got "${opts.policy}"`)
  const policy = opts.policy as Challenger
  const log = await store.decisions.policyLog(opts.since, opts.limit ?? 100_000)
  const random = randomSource(opts.seed ?? 1)
  const rounds: { action: number; propensity: number; reward: number }[] = []
  const target: Float64Array[] = []
  let agreements = 0
  for (const row of log) {
    const record = row.learning as PolicyRecord
    const ranked = (row.explanation as Explanation).ranked as RankedOffer[]
    if (record.slots !== 1 || ranked.length === 0) continue
    const p = showProbabilities(record, [row.offerId], { draws: opts.draws ?? 200, random })[row.offerId]!
    const choice = challengerChoice(policy, ranked, catalog)
    const agree = choice === row.offerId
    if (agree) agreements++
    rounds.push({ action: 0, propensity: p, reward: row.label })
    target.push(Float64Array.of(agree ? 1 : 0))
  }
  if (rounds.length === 0) throw new AppError('REQUEST_INVALID', `no finished showing of a one-offer decision with a recorded policy since ${opts.since}: nothing to evaluate`)
  const e = offPolicyEstimates(rounds, (i) => target[i]!, { bootstrap: opts.bootstrap ?? 1000, seed: opts.seed ?? 1 })
  return { since: opts.since, policy, rounds: rounds.length, logged: onPolicyValue(rounds), challenger: { ipw: e.ipw, snipw: e.snipw }, agreements }
}

function challengerChoice(policy: Challenger, ranked: readonly RankedOffer[], catalog: Catalog | null): string {
  const worth = (r: RankedOffer) => r.value * r.contextWeight * r.levers
  const score = (r: RankedOffer) => {
    if (policy === 'static') return worth(r)
    if (policy === 'greedy') return r.expected * worth(r)
    const prior = catalog?.offers.get(r.offer)?.prior ?? { alpha: 1, beta: 19 }
    return (prior.alpha / (prior.alpha + prior.beta)) * worth(r)
  }
  let best = ranked[0]!
  for (const r of ranked) if (score(r) > score(best) || (score(r) === score(best) && r.offer < best.offer)) best = r
  return best.offer
}
