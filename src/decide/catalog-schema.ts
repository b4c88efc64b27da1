import { z } from 'zod'
import { CONSENT_CHANNELS, OUTBOUND_CHANNELS as OUTBOUND } from '../core/consent.js'
import { AppError } from '../core/errors.js'
import { LEARNING_FEATURES } from './learning/context.js'

/** The channels a decision is made for: the consent channels, so that each decision asks the gate for its own. */
export const DECISION_CHANNELS = CONSENT_CHANNELS
export type DecisionChannel = (typeof DECISION_CHANNELS)[number]

/** A channel as a caller names it, or REQUEST_INVALID naming the allowed ones. */
export function decisionChannel(raw: string): DecisionChannel {
  if (!(DECISION_CHANNELS as readonly string[]).includes(raw)) throw new AppError('REQUEST_INVALID', `channel must be one of ${DECISION_CHANNELS.join(', ')}, got "${raw}"`)
  return raw as DecisionChannel
}

export const OUTBOUND_CHANNELS: readonly DecisionChannel[] = OUTBOUND

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'ended'] as const

/** Limits as the commercial engines set them (docs/decide.md). */
export const RULE_MAX_BYTES = 15 * 1024
export const RULE_MAX_DEPTH = 30

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/
const id = z.string({ error: 'must be a string' }).regex(ID, 'must be 1–64 of a–z, 0–9, _ and -, starting with a letter or digit')
const text = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(10_000, 'must be at most 10,000 characters')
const rule = z.string({ error: 'must be a CEL expression (a string)' }).min(1, 'must not be empty')
const count = z.number({ error: 'must be a number' }).int('must be a whole number').nonnegative('must not be negative')
const days = z.number({ error: 'must be a number' }).positive('must be more than 0').max(3650, 'must be at most 3,650 days')
const day = z.iso.date({ error: 'must be a date, YYYY-MM-DD' })
const window = z.strictObject({ from: day.optional(), to: day.optional() }, { error: 'must be an object { from?, to? }' })
const channel = z.enum(DECISION_CHANNELS, { error: `must be one of ${DECISION_CHANNELS.join(', ')}` })
const weight = z.number({ error: 'must be a number' }).min(-100, 'must be at least -100').max(1000, 'must be at most 1,000')

/** What an offer says on a channel: a banner on web, a subject and body by email, a script for the agent, a hint in the shop. */
const content = z.strictObject({
  title: text.optional(),
  body: text.optional(),
  subject: text.optional(),
  script: text.optional(),
  hint: text.optional(),
  url: text.optional(),
  image: text.optional(),
})

const offer = z.strictObject({
  id,
  name: text,
  /** A number, or a CEL expression over the profile (e.g. `value.clv * 0.1`). */
  value: z.union([z.number().finite().nonnegative('must not be negative'), rule], { error: 'must be a number or a CEL expression' }),
  cost: z.number({ error: 'must be a number' }).finite().nonnegative('must not be negative').default(0),
  weight: weight.default(0),
  eligibility: rule.optional(),
  window: window.optional(),
  /** Beta prior of the offer's response rate: alpha successes in alpha + beta tries. */
  prior: z.strictObject({ alpha: z.number().positive('must be more than 0'), beta: z.number().positive('must be more than 0') }).default({ alpha: 1, beta: 19 }),
  content: z.partialRecord(channel, content, { error: 'must map channels to content' }).default({}),
})

const campaign = z.strictObject({
  id,
  name: text,
  status: z.enum(CAMPAIGN_STATUSES, { error: `must be one of ${CAMPAIGN_STATUSES.join(', ')}` }),
  window: window.optional(),
  /** Strategic weight: the campaign's lever is 1 + weight / 100. */
  weight: weight.default(0),
  /** Context weights per channel (Pega's C): how well the campaign fits the channel, 1 when not set. */
  channelWeights: z.partialRecord(channel, z.number().positive('must be more than 0').max(100, 'must be at most 100')).default({}),
  /** The consent purpose the campaign's contacts need (marketing unless it is service). */
  purpose: z.string().min(1).default('marketing'),
  audience: rule.optional(),
  channels: z.array(channel).min(1, 'must name at least one channel'),
  caps: z
    .strictObject({
      total: count.optional(),
      perDay: count.optional(),
      perCustomer: count.optional(),
      /** Money the campaign may spend in all: the sum of its offers' costs over its decisions. */
      budget: z.number().min(0, 'must be at least 0').max(1e12, 'must be at most 1e12').optional(),
    })
    .default({}),
  responseWindowDays: days.default(7),
  cooldownDays: days.default(14),
  goal: z.strictObject({ event: text, category: text.optional() }).default({ event: 'Order Completed' }),
  /**
   * How much the campaign explores (docs/decide.md, "Learning"): its offers' response rates are drawn
   * from what was learned with the spread scaled by `temperature` (0: the expected rate, no
   * exploration), and in a `share` of decisions drawn uniformly on 0–1 instead.
   */
  exploration: z
    .strictObject({
      temperature: z.number({ error: 'must be a number' }).min(0, 'must be at least 0').max(10, 'must be at most 10').default(1),
      share: z.number({ error: 'must be a number' }).min(0, 'must be a share from 0 to 1').max(1, 'must be a share from 0 to 1').default(0),
    })
    .default({ temperature: 1, share: 0 }),
  /** A stable share of customers (hashed per campaign) who get no offer of this campaign: the control group uplift is measured against. */
  holdout: z.number({ error: 'must be a number' }).min(0, 'must be a share from 0 to 1').max(1, 'must be a share from 0 to 1').default(0),
  offers: z.array(offer).min(1, 'must hold at least one offer'),
})

/** How an arm of the experiment decides: the learned propensities (at their campaigns' temperatures or another), the offers' priors alone, or static priority (business value and weights only). */
const strategy = z.strictObject({
  propensity: z.enum(['learned', 'prior', 'none'], { error: 'must be learned, prior or none (static priority)' }).default('learned'),
  /** Overrides every campaign's exploration temperature in this arm. */
  temperature: z.number().min(0, 'must be at least 0').max(10, 'must be at most 10').optional(),
})
const arm = z.strictObject({
  id,
  share: z.number({ error: 'must be a number' }).min(0, 'must be a share from 0 to 1').max(1, 'must be a share from 0 to 1'),
  strategy: strategy.default({ propensity: 'learned' }),
})

const placement = z.strictObject({
  id,
  channel,
  /** How many offers the placement shows at most. */
  maxOffers: z.number().int().positive('must be more than 0').max(20, 'must be at most 20').default(1),
  /** Whether two offers of one campaign may show side by side. */
  manyPerCampaign: z.boolean().default(false),
})

const channelCap = z.strictObject({ max: count, days })

const learning = z.strictObject({
  /** The context features the learned propensities read (learning/context.ts). */
  features: z.array(z.enum(LEARNING_FEATURES, { error: `must be one of ${LEARNING_FEATURES.join(', ')}` })).default([...LEARNING_FEATURES]),
  /** An offer is scored by its Beta-Bernoulli counts until it has this many outcomes, then by its regression. */
  minOutcomes: count.default(50),
  /** Prior variance of each weight of the regression. */
  priorVariance: z.number().positive('must be more than 0').max(100, 'must be at most 100').default(0.25),
})

export const CatalogFile = z.strictObject({
  campaigns: z.array(campaign).max(1000, 'must hold at most 1,000 campaigns'),
  placements: z.array(placement).optional(),
  learning: learning.default({ features: [...LEARNING_FEATURES], minOutcomes: 50, priorVariance: 0.25 }),
  /** Champion/challenger: the arms share the decisions (by customer); their shares add up to 1 (docs/decide.md, "Experiments"). */
  experiment: z
    .strictObject({ arms: z.array(arm).min(1, 'must name at least one arm').max(10, 'must name at most 10 arms') })
    .refine((e) => Math.abs(e.arms.reduce((s, a) => s + a.share, 0) - 1) < 1e-9, { message: 'the arms\' shares must add up to 1' })
    .refine((e) => new Set(e.arms.map((a) => a.id)).size === e.arms.length, { message: 'the arms\' ids must differ' })
    .default({ arms: [{ id: 'champion', share: 1, strategy: { propensity: 'learned' } }] }),
  contactPolicy: z
    .strictObject({
      /** At most `max` offers per customer on a channel within `days` (every campaign together). */
      perChannel: z.partialRecord(channel, channelCap).default({}),
      /** After a reject, no offer of that campaign to the customer for this many days. */
      rejectCooldownDays: days.default(30),
      /** An offer ignored `times` times within `withinDays` is suppressed for the customer for `suppressDays`. */
      ignored: z.strictObject({ times: count.min(1, 'must be at least 1'), withinDays: days, suppressDays: days }).default({ times: 2, withinDays: 30, suppressDays: 60 }),
      /** Outbound channels send nothing between these hours in the customer's time zone (from ≤ hour or hour < to). */
      quietHours: z.strictObject({ from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(23) }).default({ from: 21, to: 8 }),
      /** How long a decision holds across channels: the same offer comes back on another channel within it. */
      holdHours: z.number().positive().max(24 * 90).default(72),
    })
    .default({ perChannel: {}, rejectCooldownDays: 30, ignored: { times: 2, withinDays: 30, suppressDays: 60 }, quietHours: { from: 21, to: 8 }, holdHours: 72 }),
})

export type CatalogInput = z.input<typeof CatalogFile>
export type CatalogSpec = z.output<typeof CatalogFile>
export type CampaignSpec = CatalogSpec['campaigns'][number]
export type OfferSpec = CampaignSpec['offers'][number]
export type PlacementSpec = NonNullable<CatalogSpec['placements']>[number]
export type ContactPolicy = CatalogSpec['contactPolicy']
export type OfferContent = z.output<typeof content>
