import { mayContact, type ContactVerdict } from '../consent/may-contact.js'
import type { ConsentPolicy } from '../consent/rules.js'
import type { Campaign, Catalog, Offer } from './catalog.js'
import { OUTBOUND_CHANNELS } from './catalog-schema.js'
import { localTime, ruleInputOf, type CustomerFeatures, type DecisionContext, type RuleResult } from './features.js'
import { historyFacts, type HistoryFacts, type PastDecision } from './history.js'
import { fromCel, type CompiledRule, type RuleInput } from './rules.js'
import { DAY_MS } from '../core/time.js'
import { contextFeatures } from './learning/context.js'
import { inHoldout } from './learning/experiments.js'
import type { Belief } from './learning/learner.js'
import { contender, contendersOf, drawAll, explores, pick, rank, type Candidate, type Contender, type RankedOffer } from './arbitration.js'

export type { Contender, RankedOffer } from './arbitration.js'
import type { Random } from './learning/random.js'

/** Why a campaign or an offer was not offered; `detail` says which rule, purpose, cap or window. */
export type ExclusionReason =
  | 'not_active' | 'outside_window' | 'channel_not_used' | 'cap_reached' | 'cooldown' | 'no_consent'
  | 'not_in_audience' | 'not_eligible' | 'suppressed' | 'quiet_hours' | 'rule_error' | 'holdout'

export interface Exclusion {
  campaign: string
  offer?: string
  reason: ExclusionReason
  detail: string
}


export interface Explanation {
  catalogVersion: number
  at: string
  channel: string
  placement: string
  considered: { campaigns: number; offers: number }
  excluded: Exclusion[]
  /** Every offer that passed, best first, with its score's parts. */
  ranked: RankedOffer[]
  /** Set when the decision repeats an open decision of another channel. */
  continues: string | null
  /** How the policy chose (docs/decide.md, "Learning"), so the decision can be learned from and evaluated off-policy. */
  policy: PolicyRecord
}

/**
 * The learning side of a decision: the context's features, and the policy's distribution over its
 * choices — every offer that could have been chosen with how its rate was drawn — from which the
 * probability that the policy shows an offer in this context is computed when it is needed
 * (learning/show-probability.ts; off-policy evaluation), not on the request's path.
 */
export interface PolicyRecord {
  /** The experiment's arm that decided (docs/decide.md, "Experiments"). */
  arm: string
  modelVersion: number
  features: string[]
  /** How many offers the placement shows, and whether two of one campaign may. */
  slots: number
  manyPerCampaign: boolean
  /** Empty when the choice was deterministic (no exploration): the chosen offers had probability 1. */
  contenders: Contender[]
}


export interface DecisionResult {
  offers: RankedOffer[]
  explanation: Explanation
  /** For each campaign with a holdout that the known customer was eligible for: whether they are in its holdout group or treated. */
  groups: { campaign: string; group: 'holdout' | 'treated' }[]
}

/** How much of a campaign's volume is used, across every customer: total and today (UTC). */
export interface CampaignUsage {
  total: number
  today: number
  /** Money spent: the costs of the campaign's offers in its decisions so far. */
  spent?: number
}

export interface DecideInputs {
  catalog: Catalog
  features: CustomerFeatures
  past: readonly PastDecision[]
  usage: (campaignId: string) => CampaignUsage
  /** What the learning part knows of each offer's response rate in a context, given the context's features (learning/learner.ts). */
  propensity: (features: readonly string[]) => (offer: Offer) => Belief
  /** The learned state's version, recorded with the decision. */
  modelVersion?: number
  /** The policy's randomness: Thompson sampling and exploration. Without it every offer is scored at its expected rate. */
  random?: Random
  /** The experiment's arm deciding, and its strategy's temperature for every campaign (else each campaign's own). */
  arm?: string
  temperature?: number
  policy: ConsentPolicy
}


/**
 * The next best offers for one customer in one context (docs/decide.md): every campaign and offer
 * passes status, window, channel, caps, cool-down, the consent gate, audience, eligibility,
 * suppression and quiet hours; those left are scored P × C × V × L and ranked, one per campaign
 * unless the placement allows more. An open decision of another channel is repeated instead when
 * its offer still passes here. Pure: the same inputs give the same decision and explanation.
 */
export function decide(ctx: DecisionContext, n: number, inputs: DecideInputs): DecisionResult {
  const { catalog, features } = inputs
  const now = ctx.at.getTime()
  const iso = ctx.at.toISOString()
  // The moment's parts, once per decision (not once per campaign or offer).
  let hour: number | undefined
  const moment: Moment = { ms: now, day: iso.slice(0, 10), localHour: () => (hour ??= localTime(ctx.at, features.timeZone).hour) }
  const facts = historyFacts(inputs.past, catalog, now)
  const input = ruleInputOf(features, ctx)
  const names = contextFeatures(input, catalog.spec.learning.features)
  const belief = inputs.propensity(names)
  const memo = features.memo?.catalogVersion === catalog.version ? features.memo : null
  const run: RunRule = (rule) => {
    if (!memo || rule.readsContext) return evaluate(rule, input)
    let r = memo.get(rule)
    if (!r) memo.set(rule, (r = evaluate(rule, input)))
    return r
  }
  // The gate's answer per purpose, once per decision: the campaigns share the customer's ledger.
  const verdicts = new Map<string, ContactVerdict>()
  const consentOf = (purpose: string) => {
    let v = verdicts.get(purpose)
    if (!v) verdicts.set(purpose, (v = mayContact(features.ledger, purpose, ctx.channel, iso, inputs.policy)))
    return v
  }
  const excluded: Exclusion[] = []
  const candidates: Candidate[] = []
  const groups: DecisionResult['groups'] = []
  let offers = 0
  for (const campaign of catalog.campaigns) {
    offers += campaign.offers.length
    let why = campaignExclusion(campaign, ctx, moment, inputs, facts, run, consentOf, false)
    // The customer's per-customer and per-channel caps do not stop the open offer from being repeated
    // (a continuation is no new contact) — but they still stop every other offer of its campaign.
    let onlyOpen: { offerId: string; why: Omit<Exclusion, 'campaign'> } | null = null
    if (why?.reason === 'cap_reached' && facts.open?.campaignId === campaign.id && !campaignExclusion(campaign, ctx, moment, inputs, facts, run, consentOf, true)) {
      onlyOpen = { offerId: facts.open.offerId, why }
      why = null
    }
    if (campaign.holdout > 0 && features.profileId !== null && (why === null || why.reason === 'holdout')) groups.push({ campaign: campaign.id, group: why ? 'holdout' : 'treated' })
    if (why) {
      excluded.push({ campaign: campaign.id, reason: why.reason, detail: why.detail })
      continue
    }
    for (const offer of campaign.offers) {
      const off = onlyOpen && offer.id !== onlyOpen.offerId ? onlyOpen.why : (overBudget(campaign, offer, inputs) ?? offerExclusion(offer, moment, facts, run))
      if (off) excluded.push({ campaign: campaign.id, offer: offer.id, reason: off.reason, detail: off.detail })
      else candidates.push(candidate(campaign, offer, ctx, run, belief(offer), inputs.temperature))
    }
  }
  const placement = catalog.placements.get(ctx.placement)!
  const slots = Math.min(n, placement.maxOffers)
  const ranked = rank(candidates, drawAll(candidates, inputs.random))
  const open = facts.open && ranked.find((r) => r.offer === facts.open!.offerId)
  const chosen = open ? [open] : pick(ranked, slots, placement.manyPerCampaign)
  const policy: PolicyRecord = {
    arm: inputs.arm ?? 'champion',
    modelVersion: inputs.modelVersion ?? 0,
    features: names,
    slots,
    manyPerCampaign: placement.manyPerCampaign,
    contenders: open || !explores(candidates, inputs.random) ? [] : contendersOf(candidates, slots).map(contender),
  }
  const explanation: Explanation = {
    catalogVersion: catalog.version,
    at: iso,
    channel: ctx.channel,
    placement: ctx.placement,
    considered: { campaigns: catalog.campaigns.length, offers },
    excluded,
    ranked,
    continues: open ? facts.open!.decision.id : null,
    policy,
  }
  return { offers: chosen, explanation, groups }
}

function campaignExclusion(
  c: Campaign,
  ctx: DecisionContext,
  moment: Moment,
  inputs: DecideInputs,
  facts: HistoryFacts,
  run: RunRule,
  consentOf: (purpose: string) => ContactVerdict,
  /** Let the customer's own caps pass for the campaign of their open offer (its repetition). */
  holdOpen: boolean,
): Omit<Exclusion, 'campaign'> | null {
  if (c.status !== 'active') return { reason: 'not_active', detail: `status is ${c.status}` }
  const outside = outsideWindow(c.window, moment.day)
  if (outside) return { reason: 'outside_window', detail: `campaign ${outside}` }
  if (!c.channels.includes(ctx.channel)) return { reason: 'channel_not_used', detail: `campaign uses ${c.channels.join(', ')}` }
  const usage = inputs.usage(c.id)
  if (c.caps.total !== undefined && usage.total >= c.caps.total) return { reason: 'cap_reached', detail: `campaign total cap ${c.caps.total} reached` }
  if (c.caps.perDay !== undefined && usage.today >= c.caps.perDay) return { reason: 'cap_reached', detail: `campaign daily cap ${c.caps.perDay} reached` }
  if (c.caps.budget !== undefined && !c.offers.some((o) => (usage.spent ?? 0) + o.cost <= c.caps.budget!)) {
    return { reason: 'cap_reached', detail: `campaign budget ${c.caps.budget} spent (${usage.spent ?? 0}, no offer's cost fits the rest)` }
  }
  const contacts = facts.contactsByCampaign.get(c.id) ?? 0
  const open = holdOpen && facts.open?.campaignId === c.id
  if (!open && c.caps.perCustomer !== undefined && contacts >= c.caps.perCustomer) return { reason: 'cap_reached', detail: `per-customer cap ${c.caps.perCustomer} reached (${contacts} contacts)` }
  const cooling = facts.cooldownUntil.get(c.id)
  if (cooling && cooling.until > moment.ms) return { reason: 'cooldown', detail: `after ${cooling.why === 'reject' ? 'a reject' : cooling.why === 'ignored' ? 'an ignored offer' : 'a conversion'}, until ${new Date(cooling.until).toISOString()}` }
  for (const purpose of consentPurposes(c.purpose, inputs.features.profileId !== null)) {
    const verdict = consentOf(purpose)
    if (!verdict.allowed) return { reason: 'no_consent', detail: `${purpose} by ${ctx.channel}: ${verdict.reason}` }
  }
  const perChannel = inputs.catalog.contactPolicy.perChannel[ctx.channel]
  if (perChannel && !open) {
    const since = moment.ms - perChannel.days * DAY_MS
    const recent = (facts.contactTimes.get(ctx.channel) ?? []).filter((t) => t > since).length
    if (recent >= perChannel.max) return { reason: 'cap_reached', detail: `at most ${perChannel.max} offers by ${ctx.channel} in ${perChannel.days} days (${recent} sent)` }
  }
  if (OUTBOUND_CHANNELS.includes(ctx.channel)) {
    const { from, to } = inputs.catalog.contactPolicy.quietHours
    const hour = moment.localHour()
    if (from > to ? hour >= from || hour < to : hour >= from && hour < to) return { reason: 'quiet_hours', detail: `${hour}:00 in ${inputs.features.timeZone ?? 'UTC'} is within quiet hours ${from}–${to}` }
  }
  if (c.audience) {
    const r = run(c.audience)
    if (r.error) return { reason: 'rule_error', detail: `audience: ${r.error}` }
    if (r.value !== true) return { reason: 'not_in_audience', detail: `audience ${c.audience.source} is false` }
  }
  // Last: only a customer the campaign would reach is held out (and counted in its control group).
  const profileId = inputs.features.profileId
  if (profileId !== null && inHoldout(c.id, profileId, c.holdout)) return { reason: 'holdout', detail: `in the campaign's holdout group (${Math.round(c.holdout * 1000) / 10} % of customers get none of its offers)` }
  return null
}

function offerExclusion(o: Offer, moment: Moment, facts: HistoryFacts, run: RunRule): Omit<Exclusion, 'campaign' | 'offer'> | null {
  const outside = outsideWindow(o.window, moment.day)
  if (outside) return { reason: 'outside_window', detail: `offer ${outside}` }
  const suppressed = facts.suppressedUntil.get(o.id)
  if (suppressed && suppressed > moment.ms) return { reason: 'suppressed', detail: `ignored too often; suppressed until ${new Date(suppressed).toISOString()}` }
  if (o.eligibility) {
    const r = run(o.eligibility)
    if (r.error) return { reason: 'rule_error', detail: `eligibility: ${r.error}` }
    if (r.value !== true) return { reason: 'not_eligible', detail: `eligibility ${o.eligibility.source} is false` }
  }
  return null
}

/** An offer whose cost no longer fits its campaign's budget. */
function overBudget(c: Campaign, o: Offer, inputs: DecideInputs): Omit<Exclusion, 'campaign' | 'offer'> | null {
  if (c.caps.budget === undefined) return null
  const spent = inputs.usage(c.id).spent ?? 0
  return spent + o.cost > c.caps.budget ? { reason: 'cap_reached', detail: `campaign budget ${c.caps.budget}: ${Math.max(0, c.caps.budget - spent)} left, the offer costs ${o.cost}` } : null
}

/** P × C × V × L (docs/decide.md): the offer's net value, the campaign's weight on this channel and the business levers; P comes per draw. */
function candidate(c: Campaign, o: Offer, ctx: DecisionContext, run: RunRule, belief: Belief, temperature: number | undefined): Candidate {
  const gross = typeof o.value === 'number' ? o.value : Number(fromCel(run(o.value).value ?? 0))
  const value = Math.max(0, (Number.isFinite(gross) ? gross : 0) - o.cost)
  const contextWeight = c.channelWeights[ctx.channel] ?? 1
  const levers = Math.max(0, 1 + c.weight / 100) * Math.max(0, 1 + o.weight / 100)
  return { campaign: c, offer: o, content: o.content[ctx.channel] ?? null, belief, value, contextWeight, levers, worth: contextWeight * value * levers, temperature: temperature ?? c.exploration.temperature, share: c.exploration.share }
}
/** Consent a campaign of this purpose needs: the purpose on the channel, and personalization when the decision uses a known profile's data. */
export function consentPurposes(purpose: string, knownProfile: boolean): string[] {
  return knownProfile && purpose !== 'personalization' ? [purpose, 'personalization'] : [purpose]
}

/** The decision's time as the gates need it: epoch ms, the UTC day, and the hour in the customer's zone (computed on first use). */
interface Moment {
  ms: number
  day: string
  localHour: () => number
}

function outsideWindow(w: { from?: string | undefined; to?: string | undefined } | undefined, day: string): string | null {
  if (w?.from && day < w.from) return `starts ${w.from}`
  if (w?.to && day > w.to) return `ended ${w.to}`
  return null
}

/** Evaluates a rule for this decision, or takes its kept result when it reads no context (features.memo). */
type RunRule = (rule: CompiledRule) => RuleResult

function evaluate(rule: CompiledRule, input: RuleInput): RuleResult {
  try {
    return { value: rule.evaluate(input) }
  } catch (err) {
    return { value: null, error: ((err as Error).message ?? String(err)).split('\n')[0]! }
  }
}
