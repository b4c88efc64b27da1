import { channelsOfPaths, type WeightedPath } from './journey-tally.js'

export interface MarkovResult {
  order: number
  /** P(conversion) from the start state. */
  conversionProbability: number
  removalEffects: Record<string, number>
  /** Conversions credited to each channel: total conversions split in proportion to the removal effects. */
  conversions: Record<string, number>
  value: Record<string, number>
  /** Transition probabilities between states (order 1: channels), for inspection and tests. */
  transitions: Record<string, Record<string, number>>
}

const START = '(start)'
const CONVERSION = '(conversion)'
const NULL = '(null)'
const START_ID = -1
const CONVERSION_ID = -2
const NULL_ID = -3

/**
 * Markov-chain attribution (Anderl et al. 2016; ChannelAttribution): journeys as paths through
 * states (the last `order` channels), a transition matrix from all paths (converting ones end in
 * conversion, the others in null), and each channel's removal effect — the share of conversion
 * probability lost when the channel is removed (its states lead to null). Conversions are split
 * in proportion to the removal effects. States are integers (channel indexes in base 32), so
 * millions of journeys of order 3 stay cheap. Journeys come as distinct paths with their counts
 * (`pathsOf`, or a JourneyTally fed from the store); a path of n journeys counts as n. `paths` is
 * read twice.
 */
export function markovAttribution(paths: Iterable<WeightedPath>, order = 1): MarkovResult {
  if (order < 1 || order > 3) throw new RangeError(`order must be 1, 2 or 3, got ${order}`)
  const channels = channelsOfPaths(paths)
  if (channels.length > 31) throw new RangeError(`Markov attribution takes at most 31 channels, got ${channels.length}`)
  const index = new Map(channels.map((c, i) => [c, i]))
  // A state is the last `order` channels: 1 + index of each, in base 32 (0 = no channel yet).
  const counts = new Map<number, Map<number, number>>()
  const add = (from: number, to: number, n: number) => {
    if (n === 0) return
    let row = counts.get(from)
    if (!row) counts.set(from, (row = new Map()))
    row.set(to, (row.get(to) ?? 0) + n)
  }
  const modulus = 32 ** order
  let totalConversions = 0
  let totalValue = 0
  for (const p of paths) {
    let previous = START_ID
    let state = 0
    for (const channel of p.channels) {
      state = (state * 32 + index.get(channel)! + 1) % modulus
      add(previous, state, p.journeys)
      previous = state
    }
    // Converting journeys end in conversion, the others in null.
    add(previous, CONVERSION_ID, p.conversions)
    add(previous, NULL_ID, p.journeys - p.conversions)
    totalConversions += p.conversions
    totalValue += p.value
  }
  const probabilities = new Map<number, [number, number][]>()
  for (const [from, row] of counts) {
    const sum = [...row.values()].reduce((s, v) => s + v, 0)
    probabilities.set(from, [...row].map(([to, n]) => [to, n / sum]))
  }
  const channelsOf = (state: number) => {
    let mask = 0
    for (let s = state; s > 0; s = Math.floor(s / 32)) mask |= 1 << ((s % 32) - 1)
    return mask
  }
  const masks = new Map([...probabilities.keys()].filter((s) => s >= 0).map((s) => [s, channelsOf(s)]))
  const base = conversionProbability(probabilities, masks, 0)
  const removalEffects: Record<string, number> = {}
  channels.forEach((c, i) => {
    removalEffects[c] = base > 0 ? 1 - conversionProbability(probabilities, masks, 1 << i) / base : 0
  })
  const sumEffects = Object.values(removalEffects).reduce((s, v) => s + v, 0)
  const share = (c: string) => (sumEffects > 0 ? removalEffects[c]! / sumEffects : 0)
  const name = (state: number): string => {
    if (state === START_ID) return START
    if (state === CONVERSION_ID) return CONVERSION
    if (state === NULL_ID) return NULL
    const parts: string[] = []
    for (let s = state; s > 0; s = Math.floor(s / 32)) parts.unshift(channels[(s % 32) - 1]!)
    return parts.join('>')
  }
  return {
    order,
    conversionProbability: base,
    removalEffects,
    conversions: Object.fromEntries(channels.map((c) => [c, totalConversions * share(c)])),
    value: Object.fromEntries(channels.map((c) => [c, totalValue * share(c)])),
    transitions: Object.fromEntries([...probabilities].map(([from, row]) => [name(from), Object.fromEntries(row.map(([to, p]) => [name(to), p]))])),
  }
}

/** P(reaching conversion from the start), with the states holding a removed channel leading to null; by fixed-point sweeps. */
function conversionProbability(probabilities: Map<number, [number, number][]>, masks: Map<number, number>, removedMask: number): number {
  const p = new Map<number, number>([...probabilities.keys()].map((s) => [s, 0]))
  const isRemoved = (state: number) => state >= 0 && (masks.get(state)! & removedMask) !== 0
  const valueOf = (state: number) => (state === CONVERSION_ID ? 1 : state === NULL_ID || isRemoved(state) ? 0 : (p.get(state) ?? 0))
  for (let sweep = 0; sweep < 10_000; sweep++) {
    let change = 0
    for (const [s, row] of probabilities) {
      if (isRemoved(s)) continue
      let v = 0
      for (const [to, prob] of row) v += prob * valueOf(to)
      change = Math.max(change, Math.abs(v - p.get(s)!))
      p.set(s, v)
    }
    if (change < 1e-13) break
  }
  return p.get(START_ID) ?? 0
}

