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
  records: readonly (ConsentRecord & { profileId: string })[],
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

  // In the order the gate takes them: by when each takes effect (an opt-out at its receipt at the latest).
  const ordered = [...records]
    .map((r) => ({ ...r, at: effectiveAt(r) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : RANK[a.state] - RANK[b.state] || a.id - b.id))
  const states = new Map<string, ConsentState>() // profile|purpose|channel → latest state
  const counts = new Map<string, { optIn: number; optOut: number }>() // purpose.channel → counts
  const apply = (r: ConsentRecord & { profileId: string }) => {
    const channels = r.channel === 'all' ? CONSENT_CHANNELS : [r.channel]
    for (const channel of channels) {
      const key = `${r.profileId}|${r.purpose}|${channel}`
      const before = states.get(key) ?? 'unknown'
      if (before === r.state) continue
      states.set(key, r.state)
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
    while (next < ordered.length && ordered[next]!.at < end) apply(ordered[next++]!)
    while (seen < firstSeen.length && firstSeen[seen]! < end) seen++
    const optInRate: Record<string, number> = {}
    for (const [key, c] of counts) optInRate[key] = rate(c.optIn, seen)
    series.push({ at: end, profiles: seen, optInRate })
    if (end >= to) break
  }
  while (next < ordered.length && ordered[next]!.at <= to) apply(ordered[next++]!)
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
  const allowedBy = (profileId: string | null, channel: ConsentChannel) => {
    const state = profileId === null ? 'unknown' : (states.get(`${profileId}|marketing|${channel}`) ?? 'unknown')
    if (state === 'opt_out') return false
    return state === 'opt_in' || policy.defaults.marketing![channel] === 'allowed_unless_objected'
  }
  const decided = new Set(ordered.filter((r) => r.purpose === 'marketing' && r.at <= to).map((r) => r.profileId))
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
