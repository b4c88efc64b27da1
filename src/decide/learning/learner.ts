import { BIAS } from './context.js'
import { expectedSigmoid, laplaceUpdate, linearPredictor, sigmoid } from './laplace.js'
import type { Random } from './random.js'
import { OfferModel, type OfferModelState } from './offer-model.js'

/** What the engine asks of a learned propensity: the expected response rate, and a draw from what is known (Thompson sampling). */
export interface Belief {
  mean: number
  model: 'beta' | 'logistic'
  /** A response rate drawn from the posterior; its spread scaled by the temperature (0: the mean). */
  draw(random: Random, temperature: number): number
  /** How the rate is drawn, to record with a decision and draw again later (beliefOf): Beta(p1, p2), logit normal with mean p1 and sd p2, or the known rate p1. */
  readonly kind: BeliefKind
  readonly p1: number
  readonly p2: number
  /** A range the draws at this temperature leave with negligible probability (about 3e-5): the Monte Carlo leaves out offers that cannot win. */
  range(temperature: number): [number, number]
}

export type BeliefKind = 'beta' | 'logistic' | 'known'

/** A response rate known for certain (benchmarks, tests): every draw is that rate. */
export function knownRate(p: number): Belief {
  return { mean: p, model: 'beta', kind: 'known', p1: p, p2: 0, draw: () => p, range: () => [p, p] }
}

/** The belief a decision recorded, to draw from again. */
export function beliefOf(kind: BeliefKind, p1: number, p2: number): Belief {
  return kind === 'beta' ? new BetaBelief(p1, p2) : kind === 'logistic' ? new LogitBelief(p1, p2) : knownRate(p1)
}

/** What an offer's Beta prior alone says, without learning: its mean. */
export function priorRate(offer: { prior: { alpha: number; beta: number } }): Belief {
  return knownRate(offer.prior.alpha / (offer.prior.alpha + offer.prior.beta))
}

/** Beta(a, b) of a new offer's rate: the same mean for every context. */
class BetaBelief implements Belief {
  readonly mean: number
  readonly model = 'beta'
  readonly kind = 'beta'
  constructor(
    readonly p1: number,
    readonly p2: number,
  ) {
    this.mean = p1 / (p1 + p2)
  }

  // Temperature t scales the spread: Beta(a/t, b/t) has the same mean and about t times the variance.
  draw(random: Random, t: number): number {
    return t === 0 ? this.mean : t === 1 ? random.beta(this.p1, this.p2) : random.beta(this.p1 / t, this.p2 / t)
  }

  // 8 standard deviations (a Beta's tail is not normal): Beta(1, 19) passes its upper bound with probability 2e-5.
  range(t: number): [number, number] {
    const { p1: a, p2: b, mean } = this
    const sd = Math.sqrt((t * a * b) / ((a + b) ** 2 * (a + b + 1)))
    return [Math.max(0, mean - 8 * sd), Math.min(1, mean + 8 * sd)]
  }
}

/** The regression's rate in a context: σ(z) with the linear predictor z ~ N(μ, s²). */
class LogitBelief implements Belief {
  readonly mean: number
  readonly model = 'logistic'
  readonly kind = 'logistic'
  /** The linear predictor's mean and standard deviation. */
  constructor(
    readonly p1: number,
    readonly p2: number,
  ) {
    this.mean = expectedSigmoid(p1, p2 * p2)
  }

  draw(random: Random, t: number): number {
    return t === 0 ? this.mean : sigmoid(this.p1 + Math.sqrt(t) * this.p2 * random.normal())
  }

  // 4 standard deviations of the logit: passed with probability 3e-5.
  range(t: number): [number, number] {
    const w = 4 * Math.sqrt(t) * this.p2
    return [sigmoid(this.p1 - w), sigmoid(this.p1 + w)]
  }
}

export interface LearningSettings {
  /** An offer is scored by its Beta-Bernoulli counts until it has this many outcomes, then by its regression. */
  minOutcomes: number
  /** The prior variance of each weight (the intercept's prior mean is the offer's Beta prior mean). */
  priorVariance: number
}

/** One finished showing of an offer: the context's features and whether the customer responded. */
export interface Example {
  offerId: string
  features: readonly string[]
  label: 0 | 1
}

/** A decision's features as indices into the learner's vocabulary, and how many it has never seen. */
export interface Encoded {
  idx: Int32Array
  unknown: number
}

export interface LearnerAlert {
  offerId: string
  at: string
  reason: string
}

export interface LearnerState {
  version: number
  vocabulary: string[]
  offers: Record<string, OfferModelState>
}

/** At most this many distinct feature names: the buckets are few, so more means a feature's values run free. */
export const MAX_VOCABULARY = 4096
/** A weight whose precision passes this has collapsed (or overflowed): the offer's model is reset. */
const MAX_PRECISION = 1e9

/**
 * The learned propensities of every offer (docs/decide.md, "Learning"): per offer a Beta-Bernoulli
 * count for its start and a Bayesian logistic regression over the context features (laplace.ts),
 * both fed by every finished example. Pure state: the store keeps it, the service feeds it.
 */
export class Learner {
  version: number
  private readonly vocabulary = new Map<string, number>()
  private readonly names: string[] = []
  private readonly models = new Map<string, OfferModel>()
  private readonly betas = new Map<string, BetaBelief>()
  readonly alerts: LearnerAlert[] = []

  constructor(
    public settings: LearningSettings,
    state?: LearnerState,
  ) {
    this.version = state?.version ?? 0
    for (const name of state?.vocabulary ?? []) this.slot(name)
    for (const [id, s] of Object.entries(state?.offers ?? {})) this.models.set(id, OfferModel.restore(id, s))
  }

  /** A decision's features as indices (once per decision, shared by every offer). */
  encode(features: readonly string[]): Encoded {
    const idx: number[] = []
    let unknown = 0
    for (const name of features) {
      const i = this.vocabulary.get(name)
      if (i === undefined) unknown++
      else idx.push(i)
    }
    return { idx: Int32Array.from(idx), unknown }
  }

  /** What is known about an offer's response rate in this context. */
  belief(offer: { id: string; prior: { alpha: number; beta: number } }, x: Encoded): Belief {
    const model = this.models.get(offer.id)
    const n = model?.n ?? 0
    if (!model || n < this.settings.minOutcomes) {
      const positives = model?.positives ?? 0
      const a = offer.prior.alpha + positives
      const b = offer.prior.beta + n - positives
      // The same for every context: kept until the counts change.
      let kept = this.betas.get(offer.id)
      if (kept?.p1 !== a || kept.p2 !== b) this.betas.set(offer.id, (kept = new BetaBelief(a, b)))
      return kept
    }
    const { mean, variance } = linearPredictor(model.m, model.v, x.idx, x.unknown, this.settings.priorVariance)
    return new LogitBelief(mean, Math.sqrt(variance))
  }

  /** Folds finished examples into the models, in order; a model that degenerates is reset to its prior with an alert. */
  learn(examples: readonly Example[], priorOf: (offerId: string) => { alpha: number; beta: number }, at: string): { learned: number; touched: string[] } {
    const touched = new Set<OfferModel>()
    for (const e of examples) {
      const idx: number[] = []
      for (const name of e.features.includes(BIAS) ? e.features : [BIAS, ...e.features]) {
        const i = this.slot(name)
        if (i !== undefined) idx.push(i)
      }
      const model = this.modelOf(e.offerId, priorOf)
      model.fit(this.names.length, 1 / this.settings.priorVariance)
      laplaceUpdate(model.m, model.q, idx, e.label)
      model.n++
      model.positives += e.label
      touched.add(model)
    }
    for (const model of touched) {
      model.refresh()
      const bad = model.degenerate(MAX_PRECISION)
      if (bad) {
        this.alerts.push({ offerId: model.id, at, reason: `posterior ${bad}; reset to its prior` })
        this.models.set(model.id, new OfferModel(model.id, model.priorMean, this.names.length, 1 / this.settings.priorVariance))
      }
    }
    if (examples.length > 0) this.version++
    return { learned: examples.length, touched: [...touched].map((m) => m.id) }
  }

  /** The state to store: the vocabulary and every offer's model (or only these offers'). */
  snapshot(only?: readonly string[]): LearnerState {
    const offers: Record<string, OfferModelState> = {}
    for (const id of only ?? this.models.keys()) {
      const m = this.models.get(id)
      if (m) offers[id] = m.state()
    }
    return { version: this.version, vocabulary: [...this.names], offers }
  }

  /** An offer's counts and its weights by feature name, largest first (what the model learned, for the marketer). */
  describe(offerId: string): { n: number; positives: number; weights: { feature: string; mean: number; sd: number }[] } | null {
    const m = this.models.get(offerId)
    if (!m) return null
    const weights = this.names.map((feature, i) => ({ feature, mean: m.m[i] ?? 0, sd: 1 / Math.sqrt(m.q[i] ?? 1 / this.settings.priorVariance) }))
    weights.sort((a, b) => Math.abs(b.mean) - Math.abs(a.mean))
    return { n: m.n, positives: m.positives, weights }
  }

  private slot(name: string): number | undefined {
    let i = this.vocabulary.get(name)
    if (i === undefined && this.names.length < MAX_VOCABULARY) {
      i = this.names.length
      this.vocabulary.set(name, i)
      this.names.push(name)
    }
    return i
  }

  private modelOf(offerId: string, priorOf: (offerId: string) => { alpha: number; beta: number }): OfferModel {
    let model = this.models.get(offerId)
    if (!model) {
      const { alpha, beta } = priorOf(offerId)
      model = new OfferModel(offerId, Math.log(alpha / beta), this.names.length, 1 / this.settings.priorVariance)
      this.models.set(offerId, model)
    }
    return model
  }
}
