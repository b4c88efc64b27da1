import { Learner, type Example } from '../learning/learner.js'
import { randomSource } from '../learning/random.js'
import { offPolicyEstimates, onPolicyValue, type Estimate, type OffPolicyEstimates } from './estimators.js'
import type { ObdLog, ObdRound } from './obd.js'

export interface EvaluateOptions {
  bootstrap?: number
  seed?: number
  /** Draws per round for the Thompson policy's distribution. */
  draws?: number
}

/** How close each estimator came to a value known on-policy: relative error, and whether the 95 % interval holds it. */
export type Checked = Record<keyof OffPolicyEstimates, { relativeError: number; covered: boolean }>

export interface BtsValidation {
  campaign: string
  rounds: number
  /** The Bernoulli-TS policy's own click rate in its log. */
  onPolicy: Estimate
  /** Its value estimated from the uniform-random log. */
  estimates: OffPolicyEstimates
  checked: Checked
}

/**
 * Point 6 (a): estimates the value of the Bernoulli Thompson sampling policy from the uniform-random
 * log and checks it against BTS's on-policy click rate in its own log. BTS ignores the user's
 * features, so its action probabilities per item and position are the shares of each item at each
 * position in its log (its propensity scores vary only with time, as its posterior was updated).
 */
export function validateOnBts(random: ObdLog, bts: ObdLog, opts: EvaluateOptions = {}): BtsValidation {
  const positions = Math.max(...bts.rounds.map((r) => r.position))
  const share = Array.from({ length: positions + 1 }, () => new Float64Array(random.items))
  for (const r of bts.rounds) share[r.position]![r.action]!++
  for (const row of share) {
    const total = row.reduce((s, x) => s + x, 0)
    if (total > 0) for (let a = 0; a < row.length; a++) row[a]! /= total
  }
  const reward = crossFitRewards(random.rounds, random.items, opts.seed ?? 1)
  const estimates = offPolicyEstimates(random.rounds, (i) => share[random.rounds[i]!.position]!, { reward, bootstrap: opts.bootstrap ?? 1000, seed: opts.seed ?? 1 })
  const onPolicy = onPolicyValue(bts.rounds)
  return { campaign: random.campaign, rounds: random.rounds.length, onPolicy, estimates, checked: check(estimates, onPolicy.value) }
}

export interface LearnerEvaluation {
  campaign: string
  trainRounds: number
  testRounds: number
  /** The random policy's value on the test half: its own mean click. */
  random: Estimate
  /** The check on the estimators: the uniform-random policy itself, whose IPW equals `random` exactly. */
  uniform: OffPolicyEstimates
  greedy: OffPolicyEstimates
  thompson: OffPolicyEstimates
}

/**
 * Point 6 (b): trains salestwin's propensity model — one Bayesian logistic regression per item over
 * the position and the four user features, Beta-Bernoulli until minOutcomes — on the first half of
 * the random log by time, and estimates on the second half the value of the policies it induces:
 * greedy (the item with the highest expected rate; ties shared) and Thompson sampling (the share of
 * `draws` posterior draws each item wins). Each round is one slot: the policy picks the item for
 * that position (the dataset's three positions are evaluated as separate slots).
 */
export function evaluateLearner(log: ObdLog, opts: EvaluateOptions = {}): LearnerEvaluation {
  const half = Math.floor(log.rounds.length / 2)
  const train = log.rounds.slice(0, half)
  const test = log.rounds.slice(half)
  const ctr = Math.max(1e-4, train.reduce((s, r) => s + r.reward, 0) / train.length)
  const prior = { alpha: 1, beta: (1 - ctr) / ctr }
  const learner = new Learner({ minOutcomes: 50, priorVariance: 0.25 })
  learner.learn(train.map((r): Example => ({ offerId: String(r.action), features: contextOf(r), label: r.reward === 1 ? 1 : 0 })), () => prior, new Date(train.at(-1)!.at).toISOString())
  const offers = Array.from({ length: log.items }, (_, a) => ({ id: String(a), prior }))
  const random = randomSource(opts.seed ?? 1)
  const draws = opts.draws ?? 200
  const greedy: Float64Array[] = []
  const thompson: Float64Array[] = []
  for (const r of test) {
    const x = learner.encode(contextOf(r))
    const beliefs = offers.map((o) => learner.belief(o, x))
    const means = beliefs.map((b) => b.mean)
    const best = Math.max(...means)
    const g = Float64Array.from(means, (m) => (m >= best - 1e-12 ? 1 : 0))
    const tied = g.reduce((s, x) => s + x, 0)
    greedy.push(g.map((x) => x / tied))
    const t = new Float64Array(log.items)
    for (let d = 0; d < draws; d++) {
      let winner = 0
      let top = -1
      for (let a = 0; a < beliefs.length; a++) {
        const p = beliefs[a]!.draw(random, 1)
        if (p > top) [top, winner] = [p, a]
      }
      t[winner]! += 1 / draws
    }
    thompson.push(t)
  }
  const reward = crossFitRewards(test, log.items, opts.seed ?? 1)
  const estimate = (policy: Float64Array[]) => offPolicyEstimates(test, (i) => policy[i]!, { reward, bootstrap: opts.bootstrap ?? 1000, seed: opts.seed ?? 1 })
  const uniform = new Float64Array(log.items).fill(1 / log.items)
  return { campaign: log.campaign, trainRounds: train.length, testRounds: test.length, random: onPolicyValue(test), uniform: estimate(test.map(() => uniform)), greedy: estimate(greedy), thompson: estimate(thompson) }
}

/** The context the learner sees in OBD: the position and the user's four features. */
function contextOf(r: ObdRound): string[] {
  return ['bias', `position=${r.position}`, ...r.user.map((u, k) => `user${k}=${u}`)]
}

/**
 * The reward model q̂(x, a) for the doubly robust estimator, cross-fitted (Chernozhukov et al.
 * 2018): the rounds fall into 3 folds; each fold's predictions come from a logistic regression (the
 * learner's, one model over the item, the position and the user features) fitted on the other two.
 */
export function crossFitRewards(rounds: readonly ObdRound[], items: number, seed: number, folds = 3): (i: number) => Float64Array {
  const random = randomSource(seed + 101)
  const fold = Int32Array.from(rounds, () => random.int(0, folds - 1))
  const out: Float64Array[] = new Array(rounds.length)
  for (let k = 0; k < folds; k++) {
    const train = rounds.filter((_, i) => fold[i] !== k)
    const ctr = Math.max(1e-4, train.reduce((s, r) => s + r.reward, 0) / train.length)
    const prior = { alpha: 1, beta: (1 - ctr) / ctr }
    const model = new Learner({ minOutcomes: 0, priorVariance: 0.25 })
    model.learn(train.map((r) => ({ offerId: 'reward', features: [...contextOf(r), `item=${r.action}`], label: r.reward === 1 ? 1 : 0 })), () => prior, '')
    const offer = { id: 'reward', prior }
    for (let i = 0; i < rounds.length; i++) {
      if (fold[i] !== k) continue
      const context = contextOf(rounds[i]!)
      out[i] = Float64Array.from({ length: items }, (_, a) => model.belief(offer, model.encode([...context, `item=${a}`])).mean)
    }
  }
  return (i) => out[i]!
}

function check(e: OffPolicyEstimates, truth: number): Checked {
  const one = (x: Estimate) => ({ relativeError: Math.abs(x.value - truth) / truth, covered: x.low <= truth && truth <= x.high })
  return { ipw: one(e.ipw), snipw: one(e.snipw), ...(e.dr ? { dr: one(e.dr) } : {}) } as Checked
}
