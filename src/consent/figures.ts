import { CONSENT_CHANNELS, type ConsentChannel, type ConsentRecord, type ConsentState } from '../core/consent.js'
import { AppError } from '../core/errors.js'
import { timeParam } from '../core/time.js'
import type { ConsentPolicy } from './rules.js'
import { effectiveAt } from './may-contact.js'

const INTERVALS = ['day', 'week', 'month'] as const
export type Interval = (typeof INTERVALS)[number]

export interface FigureOptions {
  /** Start of the series (ISO); default: the month of the first profile. */
  from?: string
  /** End of the series (ISO); default: now. */
  to?: string
  interval?: Interval
  /** Channels on which a person counts as reachable for marketing. */
  directChannels?: readonly ConsentChannel[]
}

export interface PurposeChannelFigure {
  purpose: string
  channel: ConsentChannel
  optIn: number
  optOut: number
  unknown: number
  optInRate: number
  /** Profiles the policy lets salestwin use for this purpose on this channel (opt-ins, or all but opt-outs where no opt-in is needed). */
  allowed: number
  allowedRate: number
}

const RANK: Record<ConsentState, number> = { unknown: 0, opt_in: 1, opt_out: 2 }
const STATES: readonly ConsentState[] = ['unknown', 'opt_in', 'opt_out']

/** What the figures read of a consent record: the store's lean read of the ledger (no evidence). */
export type FigureRecord = Pick<ConsentRecord, 'id' | 'purpose' | 'channel' | 'state' | 'occurredAt' | 'recordedAt'> & { profileId: string }

/**
 * Consent figures for the dashboard: per purpose and channel the opt-in, opt-out and unknown
 * counts and rates now, the share the policy allows, the share of people reachable for marketing on
 * at least one direct channel, and the opt-in rates at the end of each interval. A person is
 * counted from their first event on; the state at a time is their latest decision by event time
 * (as `mayContact` reads it).
 *
 * @example
 * consentFigures(records, firstSeen, policy, { interval: 'month' })
 */
export function consentFigures(
  records: readonly FigureRecord[],
  profilesFirstSeen: readonly string[],
  policy: ConsentPolicy,
  opts: FigureOptions = {},
) {
  const interval = opts.interval ?? 'month'
  if (!INTERVALS.includes(interval)) throw new AppError('REQUEST_INVALID', `interval must be one of ${INTERVALS.join(', ')}, got "${interval}"`)
  const to = opts.to === undefined ? new Date().toISOString() : timeParam('to', opts.to)
  const firstSeen = [...profilesFirstSeen].sort()
  const from = opts.from !== undefined ? timeParam('from', opts.from) : firstSeen[0] ? `${firstSeen[0].slice(0, 7)}-01T00:00:00.000Z` : to
  if (from > to) throw new AppError('REQUEST_INVALID', `from must not be after to, got ${from} > ${to}`)
  const direct = opts.directChannels ?? (['email', 'sms', 'phone'] as const)

  // In the order the gate takes them: by when each takes effect (an opt-out at its receipt at the
  // latest). Kept lean for a million people: an index order over the records, profiles as numbers,
  // and each person's state per purpose and channel in a Map keyed by one number.
  const effective = records.map((r) => effectiveAt(r))
  const order = Array.from({ length: records.length }, (_, i) => i).sort((i, j) => {
    const a = records[i]!
    const b = records[j]!
    return effective[i]! < effective[j]! ? -1 : effective[i]! > effective[j]! ? 1 : RANK[a.state] - RANK[b.state] || a.id - b.id
  })
  const profileIndex = new Map<string, number>()
  const profileOf = (id: string) => {
    let i = profileIndex.get(id)
    if (i === undefined) profileIndex.set(id, (i = profileIndex.size))
    return i
  }
  const purposeIndex = new Map<string, number>()
  const stateKey = (profile: number, purpose: string, channel: ConsentChannel) => {
    let p = purposeIndex.get(purpose)
    if (p === undefined) {
      if (purposeIndex.size === 1024) throw new Error('consent figures take at most 1,024 purposes')
      purposeIndex.set(purpose, (p = purposeIndex.size))
    }
    return (profile * 1024 + p) * CONSENT_CHANNELS.length + CONSENT_CHANNELS.indexOf(channel)
  }
  const states = new Map<number, number>() // (profile, purpose, channel) → index in STATES
  const counts = new Map<string, { optIn: number; optOut: number }>() // purpose.channel → counts
  const apply = (r: FigureRecord) => {
    const channels = r.channel === 'all' ? CONSENT_CHANNELS : [r.channel]
    const profile = profileOf(r.profileId)
    for (const channel of channels) {
      const key = stateKey(profile, r.purpose, channel)
      const before = STATES[states.get(key) ?? 0]!
      if (before === r.state) continue
      states.set(key, RANK[r.state])
      const c = counts.get(`${r.purpose}.${channel}`) ?? { optIn: 0, optOut: 0 }
      if (before === 'opt_in') c.optIn--
      if (before === 'opt_out') c.optOut--
      if (r.state === 'opt_in') c.optIn++
      if (r.state === 'opt_out') c.optOut++
      counts.set(`${r.purpose}.${channel}`, c)
    }
  }
  const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000)

  const series: { at: string; profiles: number; optInRate: Record<string, number> }[] = []
  let next = 0
  let seen = 0
  for (let at = periodEnd(from, interval); ; at = periodEnd(at, interval)) {
    const end = at < to ? at : to
    while (next < order.length && effective[order[next]!]! < end) apply(records[order[next++]!]!)
    while (seen < firstSeen.length && firstSeen[seen]! < end) seen++
    const optInRate: Record<string, number> = {}
    for (const [key, c] of counts) optInRate[key] = rate(c.optIn, seen)
    series.push({ at: end, profiles: seen, optInRate })
    if (end >= to) break
  }
  while (next < order.length && effective[order[next]!]! <= to) apply(records[order[next++]!]!)
  const profiles = firstSeen.filter((t) => t <= to).length

  const current: PurposeChannelFigure[] = []
  for (const purpose of policy.purposes) {
    for (const channel of CONSENT_CHANNELS) {
      const c = counts.get(`${purpose}.${channel}`) ?? { optIn: 0, optOut: 0 }
      const allowed = policy.defaults[purpose]![channel] === 'opt_in_required' ? c.optIn : profiles - c.optOut
      current.push({
        purpose, channel, optIn: c.optIn, optOut: c.optOut, unknown: profiles - c.optIn - c.optOut,
        optInRate: rate(c.optIn, profiles), allowed, allowedRate: rate(allowed, profiles),
      })
    }
  }

  // Reachable for marketing on at least one direct channel: decided people one by one, the rest by the defaults.
  const allowedBy = (profile: number | null, channel: ConsentChannel) => {
    const state = profile === null ? 'unknown' : STATES[states.get(stateKey(profile, 'marketing', channel)) ?? 0]!
    if (state === 'opt_out') return false
    return state === 'opt_in' || policy.defaults.marketing![channel] === 'allowed_unless_objected'
  }
  const decided = new Set<number>()
  records.forEach((r, i) => {
    if (r.purpose === 'marketing' && effective[i]! <= to) decided.add(profileOf(r.profileId))
  })
  let reachable = [...decided].filter((p) => direct.some((ch) => allowedBy(p, ch))).length
  if (direct.some((ch) => allowedBy(null, ch))) reachable += Math.max(0, profiles - decided.size)

  return {
    jurisdiction: policy.jurisdiction,
    from,
    to,
    interval,
    profiles,
    current,
    marketingReachable: { channels: direct, count: reachable, rate: rate(reachable, profiles) },
    series,
  }
}

/** The next boundary after `iso`, in UTC (a month later on the same day of the month, or 1 or 7 days). */
function periodEnd(iso: string, interval: Interval): string {
  const d = new Date(iso)
  if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + 1)
  else d.setUTCDate(d.getUTCDate() + (interval === 'week' ? 7 : 1))
  return d.toISOString()
}
