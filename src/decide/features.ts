import type { ConsentLedger } from '../consent/may-contact.js'
import type { Behaviour } from '../core/behaviour.js'
import type { Profile } from '../core/profile.js'

export type { Behaviour } from '../core/behaviour.js'
import type { DecisionChannel } from './catalog-schema.js'
import type { RuleInput } from './rules.js'
import { DAY_MS } from '../core/time.js'

/** Everything a decision knows about a customer; an anonymous visitor has no profile and an empty ledger. */
export interface CustomerFeatures {
  profileId: string | null
  traits: Record<string, unknown>
  /** The current value run's values (docs/value.md), or null before a refresh scored the profile. */
  value: Record<string, unknown> | null
  behaviour: Behaviour
  ledger: ConsentLedger
  /** IANA time zone from the traits (`timezone`), for quiet hours. */
  timeZone: string | null
  /** Results of the rules that read no context, kept with these features while they hold (feature-view.ts). */
  memo?: RuleMemo
}

/** A rule's result, or the error it raised. */
export interface RuleResult {
  value: unknown
  error?: string
}

const TRUE: RuleResult = Object.freeze({ value: true })
const FALSE: RuleResult = Object.freeze({ value: false })

/**
 * The results of a customer's profile-only rules (audience, eligibility and value rules that read no
 * `context.*`) under one catalog version: they depend on the features only, so they are evaluated
 * once per features, not once per decision. Kept compactly by rule index (a few bytes per rule): a
 * true/false or a number, or the rule's error.
 */
export class RuleMemo {
  /** 0: not evaluated yet, 1: `values` holds it, 2: it failed (`errors`). */
  private readonly state: Uint8Array
  private readonly values: Float64Array
  private readonly errors = new Map<number, string>()

  constructor(
    readonly catalogVersion: number,
    rules: number,
  ) {
    this.state = new Uint8Array(rules)
    this.values = new Float64Array(rules)
  }

  /** The kept result of a rule, or undefined; a bool rule's result is true or false, a value rule's a number. */
  get(rule: { index: number; type: 'bool' | 'double' }): RuleResult | undefined {
    const s = this.state[rule.index]
    if (s === 1) return rule.type === 'bool' ? (this.values[rule.index] === 1 ? TRUE : FALSE) : { value: this.values[rule.index] }
    if (s === 2) return { value: null, error: this.errors.get(rule.index)! }
    return undefined
  }

  /** Keeps a result as the engine reads it: a bool rule's `true` (anything else is false), a value rule's number. */
  set(rule: { index: number; type: 'bool' | 'double' }, r: RuleResult): void {
    if (rule.index >= this.state.length) return
    if (r.error !== undefined) {
      this.state[rule.index] = 2
      this.errors.set(rule.index, r.error)
      return
    }
    this.values[rule.index] = rule.type === 'bool' ? (r.value === true ? 1 : 0) : Number(typeof r.value === 'bigint' ? Number(r.value) : (r.value ?? 0))
    this.state[rule.index] = 1
  }

  /** Rules kept so far. */
  get size(): number {
    let n = 0
    for (const s of this.state) if (s !== 0) n++
    return n
  }
}

/** What the caller says about the moment of the decision. */
export interface DecisionContext {
  channel: DecisionChannel
  placement: string
  at: Date
  device?: string
  page?: string
}

export const NO_BEHAVIOUR: Behaviour = { orders: 0, revenue: 0, lastOrderAt: null, lastVisitAt: null, lastCategoryViewed: null, last7d: {}, last30d: {}, last90d: {} }

/** The features of a profile as the store reads it, without its consent ledger (read at each decision); behaviour comes from its own read. */
export function featuresOf(profile: Profile, behaviour: Behaviour): Omit<CustomerFeatures, 'ledger' | 'memo'> {
  const traits = Object.fromEntries(Object.entries(profile.traits).map(([k, t]) => [k, t.value]))
  const zone = traits.timezone ?? traits.timeZone
  return { profileId: profile.id, traits, value: profile.computed.value ?? null, behaviour, timeZone: typeof zone === 'string' ? zone : null }
}

export function anonymousFeatures(): CustomerFeatures {
  return { profileId: null, traits: {}, value: null, behaviour: NO_BEHAVIOUR, ledger: { records: [], suppressions: [] }, timeZone: null }
}

const int = (x: unknown) => BigInt(Math.trunc(typeof x === 'number' && Number.isFinite(x) ? x : 0))
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0)
const ints = (counts: Record<string, number>) => new Map(Object.entries(counts).map(([k, n]) => [k, BigInt(n)]))
/** Days since a time; a very large number when it never happened, so `daysSinceLastOrder > 90` holds for a customer without orders. */
const daysSince = (at: Date, iso: string | null) => (iso === null ? 1e6 : Math.max(0, (at.getTime() - Date.parse(iso)) / DAY_MS))

/** The values a rule sees for this customer in this context (rules.ts, RULE_INPUTS). */
export function ruleInputOf(f: CustomerFeatures, ctx: DecisionContext): RuleInput {
  const v = f.value ?? {}
  const rfm = (v.rfm ?? {}) as Record<string, unknown>
  const b = f.behaviour
  const local = localTime(ctx.at, f.timeZone)
  return {
    traits: f.traits,
    value: {
      scored: f.value !== null,
      clv: num(v.clv),
      pAlive: num(v.probabilityAlive),
      expectedPurchases30d: num(v.expectedPurchases30d),
      expectedPurchases90d: num(v.expectedPurchases90d),
      cluster: typeof v.cluster === 'string' ? v.cluster : '',
      rfm: typeof rfm.score === 'string' ? rfm.score : '',
      recencyScore: int(rfm.recency),
      frequencyScore: int(rfm.frequency),
      monetaryScore: int(rfm.monetary),
    },
    behaviour: {
      orders: int(b.orders),
      revenue: num(b.revenue),
      daysSinceLastOrder: daysSince(ctx.at, b.lastOrderAt),
      daysSinceLastVisit: daysSince(ctx.at, b.lastVisitAt),
      lastCategoryViewed: b.lastCategoryViewed ?? '',
      last7d: ints(b.last7d),
      last30d: ints(b.last30d),
      last90d: ints(b.last90d),
    },
    context: { channel: ctx.channel, placement: ctx.placement, hour: BigInt(local.hour), weekday: BigInt(local.weekday), device: ctx.device ?? '', page: ctx.page ?? '', known: f.profileId !== null },
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Hour (0–23) and weekday (0 = Sunday) in the customer's time zone; UTC when unknown or invalid. */
export function localTime(at: Date, timeZone: string | null): { hour: number; weekday: number } {
  // UTC needs no time-zone database (formatToParts costs a few µs a decision).
  if (timeZone === null || timeZone === 'UTC') return { hour: at.getUTCHours(), weekday: at.getUTCDay() }
  const zone = timeZone
  let format = formatters.get(zone)
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' })
    } catch {
      return localTime(at, null)
    }
    formatters.set(zone, format)
  }
  const parts = format.formatToParts(at)
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0)
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? 'Sun')
  return { hour, weekday }
}
