import { Random } from '../core/random.js'
import { channelsOfPaths, type WeightedPath } from './journey-tally.js'

export interface ShapleyResult {
  channels: string[]
  /** Conversions credited to each channel (the Shapley values scaled so that they add up to all conversions). */
  conversions: Record<string, number>
  value: Record<string, number>
  /** False when some journey touched more than 15 channels and its split was sampled. */
  exact: boolean
  /** Standard error of each credit from sampling; zeros when exact. */
  standardErrors: Record<string, number>
  permutations: number
}

const EXACT_UP_TO = 15

/**
 * Shapley-value attribution after Dalessandro et al. (2012): the worth of a set of channels is the
 * conversion rate of the journeys that were exposed to exactly that set (a set seen in fewer than
 * `minJourneys` journeys borrows the best rate of its observed subsets; the empty set is worth 0).
 * Each journey's channel set shares its worth by the Shapley value — every channel's average
 * marginal worth over the orders in which the channels can join — and the shares of all journeys
 * are summed, then scaled to add up to the conversions. Exact for sets of up to 15 channels;
 * larger sets are sampled by random permutations, with the sampling error reported. `paths` is
 * read twice.
 */
export function shapleyAttribution(paths: Iterable<WeightedPath>, opts: { permutations?: number; seed?: number; minJourneys?: number } = {}): ShapleyResult {
  const channels = channelsOfPaths(paths)
  const index = new Map(channels.map((c, i) => [c, i]))
  // Paths grouped by their set of channels (sorted channel indexes joined as the key).
  const sets = new Map<string, { members: number[]; journeys: number; conversions: number }>()
  let journeyCount = 0
  let totalConversions = 0
  let totalValue = 0
  for (const p of paths) {
    journeyCount += p.journeys
    const members = membersOf(p, index)
    const key = members.join(',')
    const acc = sets.get(key) ?? { members, journeys: 0, conversions: 0 }
    acc.journeys += p.journeys
    acc.conversions += p.conversions
    totalConversions += p.conversions
    totalValue += p.value
    sets.set(key, acc)
  }
  const minJourneys = opts.minJourneys ?? (journeyCount >= 10_000 ? 30 : 1)
  const memo = new Map<string, number>()
  const worth = (members: number[]): number => {
    if (members.length === 0) return 0
    const key = members.join(',')
    const known = memo.get(key)
    if (known !== undefined) return known
    const seen = sets.get(key)
    let w: number
    if (seen && seen.journeys >= minJourneys) w = seen.conversions / seen.journeys
    else w = Math.max(0, ...members.map((_, i) => worth(members.filter((__, k) => k !== i))))
    memo.set(key, w)
    return w
  }
  const phi = new Array<number>(channels.length).fill(0)
  const variance = new Array<number>(channels.length).fill(0)
  const permutations = opts.permutations ?? 2000
  let exact = true
  const r = new Random(opts.seed ?? 42)
  for (const set of sets.values()) {
    const split = set.members.length <= EXACT_UP_TO ? exactSplit(set.members, worth) : sampledSplit(set.members, worth, permutations, r)
    if (set.members.length > EXACT_UP_TO) exact = false
    set.members.forEach((c, i) => {
      phi[c] = phi[c]! + set.journeys * split.shares[i]!
      variance[c] = variance[c]! + (set.journeys * split.standardErrors[i]!) ** 2
    })
  }
  const total = phi.reduce((s, v) => s + v, 0)
  const scale = total > 0 ? totalConversions / total : 0
  return {
    channels,
    conversions: Object.fromEntries(channels.map((c, i) => [c, phi[i]! * scale])),
    value: Object.fromEntries(channels.map((c, i) => [c, totalConversions > 0 ? (phi[i]! * scale * totalValue) / totalConversions : 0])),
    exact,
    standardErrors: Object.fromEntries(channels.map((c, i) => [c, Math.sqrt(variance[i]!) * scale])),
    permutations: exact ? 0 : permutations,
  }
}

type Split = { shares: number[]; standardErrors: number[] }

/** The sorted channel indexes a path touched. */
function membersOf(p: WeightedPath, index: Map<string, number>): number[] {
  return [...new Set(p.channels.map((c) => index.get(c)!))].sort((a, b) => a - b)
}

/** The Shapley split of the set's worth among its members, over all 2^k coalitions. */
function exactSplit(members: number[], worth: (m: number[]) => number): Split {
  const k = members.length
  const factorial = [1]
  for (let i = 1; i <= k; i++) factorial.push(factorial[i - 1]! * i)
  const shares = new Array<number>(k).fill(0)
  const subset = (mask: number) => members.filter((_, i) => mask & (1 << i))
  for (let mask = 0; mask < 1 << k; mask++) {
    let size = 0
    for (let v = mask; v; v &= v - 1) size++
    const weight = (factorial[size]! * factorial[k - size - 1]!) / factorial[k]!
    const base = worth(subset(mask))
    for (let i = 0; i < k; i++) {
      if (mask & (1 << i)) continue
      shares[i] = shares[i]! + weight * (worth(subset(mask | (1 << i))) - base)
    }
  }
  return { shares, standardErrors: new Array<number>(k).fill(0) }
}

/** The split estimated from random orders of the members, with standard errors. */
function sampledSplit(members: number[], worth: (m: number[]) => number, permutations: number, r: Random): Split {
  const k = members.length
  const sum = new Array<number>(k).fill(0)
  const sumSq = new Array<number>(k).fill(0)
  const order = members.map((_, i) => i)
  for (let p = 0; p < permutations; p++) {
    for (let i = k - 1; i > 0; i--) {
      const j = Math.floor(r.next() * (i + 1))
      ;[order[i], order[j]] = [order[j]!, order[i]!]
    }
    const joined: number[] = []
    let before = 0
    for (const i of order) {
      joined.push(members[i]!)
      joined.sort((a, b) => a - b)
      const after = worth(joined)
      sum[i] = sum[i]! + (after - before)
      sumSq[i] = sumSq[i]! + (after - before) ** 2
      before = after
    }
  }
  const shares = sum.map((s) => s / permutations)
  return { shares, standardErrors: sumSq.map((s, i) => Math.sqrt(Math.max(0, s / permutations - shares[i]! ** 2) / permutations)) }
}
