import { Random } from '../core/random.js'
import type { Journey } from './journeys.js'

export interface ShapleyResult {
  channels: string[]
  /** Conversions credited to each channel (the Shapley values scaled so that they add up to all conversions). */
  conversions: Record<string, number>
  value: Record<string, number>
  exact: boolean
  /** Standard error of each credit when sampled; zeros when exact. */
  standardErrors: Record<string, number>
  permutations: number
}

const EXACT_UP_TO = 15

/**
 * Shapley-value attribution (Zhao, Mahboobi & Bagheri 2018, after Dalessandro et al. 2012): the
 * worth of a set S of channels is the sum, over the channel combinations T inside S, of the
 * conversion rate of the journeys that used exactly T — so journeys that did not convert count,
 * and worth never falls when a channel joins (no negative credits). Each channel gets its average
 * marginal worth over all orders in which channels can join; credits are scaled to add up to the
 * conversions. Exact for up to 15 channels (2^n coalitions, sums over subsets), estimated from
 * random permutations beyond, with the sampling error reported.
 */
export function shapleyAttribution(journeys: Journey[], opts: { permutations?: number; seed?: number } = {}): ShapleyResult {
  const channels = [...new Set(journeys.flatMap((j) => j.touchpoints.map((t) => t.channel as string)))].sort()
  const n = channels.length
  if (n > 30) throw new RangeError(`Shapley attribution takes at most 30 channels (bit masks), got ${n}`)
  const index = new Map(channels.map((c, i) => [c, i]))
  const byMask = new Map<number, { conversions: number; total: number }>()
  let totalConversions = 0
  let totalValue = 0
  for (const j of journeys) {
    let mask = 0
    for (const t of j.touchpoints) mask |= 1 << index.get(t.channel)!
    const acc = byMask.get(mask) ?? { conversions: 0, total: 0 }
    acc.total++
    if (j.converted) {
      acc.conversions++
      totalConversions++
      totalValue += j.value
    }
    byMask.set(mask, acc)
  }
  let phi: number[]
  let se = new Array<number>(n).fill(0)
  let exact = true
  let permutations = 0
  if (n <= EXACT_UP_TO) {
    phi = exactShapley(n, byMask)
  } else {
    exact = false
    permutations = opts.permutations ?? 2000
    ;({ phi, se } = sampledShapley(n, byMask, permutations, opts.seed ?? 42))
  }
  const total = phi.reduce((s, v) => s + v, 0)
  const scale = total > 0 ? totalConversions / total : 0
  return {
    channels,
    conversions: Object.fromEntries(channels.map((c, i) => [c, phi[i]! * scale])),
    value: Object.fromEntries(channels.map((c, i) => [c, totalConversions > 0 ? (phi[i]! * scale * totalValue) / totalConversions : 0])),
    exact,
    standardErrors: Object.fromEntries(channels.map((c, i) => [c, se[i]! * scale])),
    permutations,
  }
}

function exactShapley(n: number, byMask: Map<number, { conversions: number; total: number }>): number[] {
  const size = 1 << n
  // Sums over subsets: conversions and journeys of every coalition's sub-coalitions.
  // Conversion rate of each exact combination, then sums over subsets: worth of every coalition.
  const worthOf = new Float64Array(size)
  for (const [mask, acc] of byMask) worthOf[mask] = acc.conversions / acc.total
  for (let bit = 0; bit < n; bit++) {
    for (let mask = 0; mask < size; mask++) {
      if (mask & (1 << bit)) worthOf[mask] = worthOf[mask]! + worthOf[mask ^ (1 << bit)]!
    }
  }
  const worth = (mask: number) => worthOf[mask]!
  const factorial = [1]
  for (let i = 1; i <= n; i++) factorial.push(factorial[i - 1]! * i)
  const phi = new Array<number>(n).fill(0)
  for (let mask = 0; mask < size; mask++) {
    const s = popcount(mask)
    const weight = (factorial[s]! * factorial[n - s - 1]!) / factorial[n]!
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue
      phi[i] = phi[i]! + weight * (worth(mask | (1 << i)) - worth(mask))
    }
  }
  return phi
}

function sampledShapley(n: number, byMask: Map<number, { conversions: number; total: number }>, permutations: number, seed: number): { phi: number[]; se: number[] } {
  const entries = [...byMask]
  const worth = (mask: number) => {
    let w = 0
    for (const [m, acc] of entries) if ((m & mask) === m) w += acc.conversions / acc.total
    return w
  }
  const r = new Random(seed)
  const sum = new Array<number>(n).fill(0)
  const sumSq = new Array<number>(n).fill(0)
  const order = Array.from({ length: n }, (_, i) => i)
  for (let k = 0; k < permutations; k++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r.next() * (i + 1))
      ;[order[i], order[j]] = [order[j]!, order[i]!]
    }
    let mask = 0
    let before = 0
    for (const i of order) {
      mask |= 1 << i
      const after = worth(mask)
      sum[i] = sum[i]! + (after - before)
      sumSq[i] = sumSq[i]! + (after - before) ** 2
      before = after
    }
  }
  const phi = sum.map((s) => s / permutations)
  const se = sumSq.map((s, i) => Math.sqrt(Math.max(0, s / permutations - phi[i]! ** 2) / permutations))
  return { phi, se }
}

function popcount(x: number): number {
  let c = 0
  for (let v = x; v; v &= v - 1) c++
  return c
}
