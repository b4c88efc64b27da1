import type { RuleInput } from '../rules.js'

/**
 * The context features the learned propensity reads (docs/decide.md, "Learning"), each a group of
 * one-hot features named `group=bucket`. A catalog picks the groups (`learning.features`).
 */
export const LEARNING_FEATURES = ['channel', 'placement', 'cluster', 'clv', 'pAlive', 'rfm', 'recency', 'window', 'device'] as const
export type LearningFeature = (typeof LEARNING_FEATURES)[number]

/** Every model has an intercept: the offer's base rate. */
export const BIAS = 'bias'

const DEVICES = new Set(['mobile', 'desktop', 'tablet', 'tv', 'kiosk'])

/**
 * The names of the features that are 1 for this decision: the intercept, then each chosen group's
 * bucket. Buckets are few and fixed (no raw values, nothing personal), so the models' state names
 * no one.
 *
 * @example
 * contextFeatures(input, ['channel', 'window']) // ['bias', 'channel=web', 'daypart=evening', 'week=weekday', 'window=weekday-evening']
 */
export function contextFeatures(input: RuleInput, groups: readonly LearningFeature[]): string[] {
  const v = input.value
  const b = input.behaviour
  const c = input.context
  const names = [BIAS]
  for (const group of groups) {
    switch (group) {
      case 'channel':
        names.push(`channel=${String(c.channel)}`)
        break
      case 'placement':
        names.push(`placement=${String(c.placement)}`)
        break
      case 'cluster':
        names.push(`cluster=${v.scored && v.cluster ? String(v.cluster) : 'none'}`)
        break
      case 'clv':
        names.push(`clv=${v.scored ? clvBucket(Number(v.clv)) : 'none'}`)
        break
      case 'pAlive':
        names.push(`pAlive=${v.scored ? pAliveBucket(Number(v.pAlive)) : 'none'}`)
        break
      case 'rfm':
        if (v.scored && v.rfm) names.push(`r=${v.recencyScore}`, `f=${v.frequencyScore}`, `m=${v.monetaryScore}`)
        else names.push('rfm=none')
        break
      case 'recency':
        names.push(`lastOrder=${daysBucket(Number(b.daysSinceLastOrder))}`, `lastVisit=${daysBucket(Number(b.daysSinceLastVisit))}`)
        break
      case 'window': {
        const part = dayPart(Number(c.hour))
        const week = Number(c.weekday) === 0 || Number(c.weekday) === 6 ? 'weekend' : 'weekday'
        names.push(`daypart=${part}`, `week=${week}`, `window=${week}-${part}`)
        break
      }
      case 'device': {
        const device = String(c.device ?? '').toLowerCase()
        names.push(`device=${device === '' ? 'none' : DEVICES.has(device) ? device : 'other'}`)
        break
      }
    }
  }
  return names
}

/** The hour-of-week window's day part, in the customer's time zone. */
export function dayPart(hour: number): 'night' | 'morning' | 'afternoon' | 'evening' {
  return hour < 6 ? 'night' : hour < 12 ? 'morning' : hour < 18 ? 'afternoon' : 'evening'
}

function clvBucket(clv: number): string {
  return clv < 50 ? '<50' : clv < 200 ? '50-200' : clv < 1000 ? '200-1000' : '>=1000'
}

function pAliveBucket(p: number): string {
  const lo = Math.min(4, Math.max(0, Math.floor(p * 5)))
  return `${lo / 5}-${(lo + 1) / 5}`
}

function daysBucket(days: number): string {
  return days >= 1e6 ? 'never' : days < 7 ? '<7d' : days < 30 ? '<30d' : days < 90 ? '<90d' : days < 365 ? '<365d' : 'older'
}
