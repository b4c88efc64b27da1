import { Random } from '../core/random.js'
import type { Channel } from './channel.js'
import type { Journey } from './journeys.js'

/** A simulated channel: its true incremental effect and where in a journey it tends to appear. */
export interface SimulatedChannel {
  channel: Channel
  /** How much exposure raises conversion: P(conv) = 1 − (1 − base)·Π(1 − lift) over the channels seen. */
  lift: number
  /** Relative chance to open a journey, and to appear later in it. */
  earlyWeight: number
  lateWeight: number
}

/** Twelve channels whose true effects differ from how often they stand last (direct: no effect, often last). */
export const SIMULATED_CHANNELS: SimulatedChannel[] = [
  { channel: 'display', lift: 0.1, earlyWeight: 5, lateWeight: 1 },
  { channel: 'tv', lift: 0.07, earlyWeight: 3, lateWeight: 0.5 },
  { channel: 'social', lift: 0.06, earlyWeight: 4, lateWeight: 2 },
  { channel: 'paid_search', lift: 0.08, earlyWeight: 1, lateWeight: 4 },
  { channel: 'email', lift: 0.05, earlyWeight: 1, lateWeight: 3 },
  { channel: 'organic_search', lift: 0.03, earlyWeight: 2, lateWeight: 3 },
  { channel: 'print', lift: 0.04, earlyWeight: 2, lateWeight: 0.5 },
  { channel: 'affiliate', lift: 0.02, earlyWeight: 1, lateWeight: 1 },
  { channel: 'mobile_ad', lift: 0.015, earlyWeight: 1, lateWeight: 1 },
  { channel: 'radio', lift: 0.01, earlyWeight: 1, lateWeight: 0.5 },
  { channel: 'referral', lift: 0.005, earlyWeight: 0.5, lateWeight: 1 },
  { channel: 'direct', lift: 0, earlyWeight: 0.5, lateWeight: 6 },
]

const BASE_RATE = 0.01

/**
 * Simulates journeys with known causal effects (documented in docs/attribution.md) and returns
 * them with each channel's true share of the incremental conversions: the Shapley split of each
 * journey's conversion probability above the base rate, summed over journeys.
 */
export function simulateJourneys(
  count: number,
  seed: number,
  channels: SimulatedChannel[] = SIMULATED_CHANNELS,
  opts: { withTruth?: boolean; meanExtraTouchpoints?: number } = {},
): { journeys: Journey[]; trueShares: Record<string, number> } {
  const withTruth = opts.withTruth ?? true
  const r = new Random(seed)
  const early = channels.map((c) => [c, c.earlyWeight] as const)
  const late = channels.map((c) => [c, c.lateWeight] as const)
  const truth: Record<string, number> = Object.fromEntries(channels.map((c) => [c.channel, 0]))
  const journeys: Journey[] = []
  for (let n = 0; n < count; n++) {
    const length = 1 + Math.min(7, Math.floor(r.exponential(1 / (opts.meanExtraTouchpoints ?? 3))))
    const path: SimulatedChannel[] = [r.weighted(early)]
    while (path.length < length) path.push(r.weighted(late))
    const distinct = [...new Set(path)]
    const probability = conversionProbability(distinct)
    if (withTruth) for (const [c, share] of shapleyShares(distinct)) truth[c.channel] = truth[c.channel]! + share
    const converted = r.chance(probability)
    journeys.push({
      touchpoints: path.map((c, i) => ({ channel: c.channel, campaign: null, at: i * 86_400_000 })),
      converted,
      value: converted ? 100 : 0,
      endsAt: path.length * 86_400_000,
    })
  }
  const total = Object.values(truth).reduce((s, v) => s + v, 0)
  return { journeys, trueShares: Object.fromEntries(Object.entries(truth).map(([c, v]) => [c, v / total])) }
}

function conversionProbability(seen: SimulatedChannel[]): number {
  return 1 - (1 - BASE_RATE) * seen.reduce((p, c) => p * (1 - c.lift), 1)
}

/** Exact Shapley split of (P(conversion | seen) − base) among the channels seen. */
function shapleyShares(seen: SimulatedChannel[]): Map<SimulatedChannel, number> {
  const n = seen.length
  const worth = (mask: number) => conversionProbability(seen.filter((_, i) => mask & (1 << i))) - BASE_RATE
  const factorial = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880]
  const out = new Map<SimulatedChannel, number>(seen.map((c) => [c, 0]))
  for (let mask = 0; mask < 1 << n; mask++) {
    let size = 0
    for (let v = mask; v; v &= v - 1) size++
    const weight = (factorial[size]! * factorial[n - size - 1]!) / factorial[n]!
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue
      out.set(seen[i]!, out.get(seen[i]!)! + weight * (worth(mask | (1 << i)) - worth(mask)))
    }
  }
  return out
}
