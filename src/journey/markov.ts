import type { Journey } from './journeys.js'

export interface MarkovResult {
  order: number
  /** P(conversion) from the start state, and without each channel. */
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

/**
 * Markov-chain attribution (Anderl et al. 2016; ChannelAttribution): journeys as paths through
 * states (the last `order` channels), a transition matrix from all paths (converting ones end in
 * conversion, the others in null), and each channel's removal effect — the share of conversion
 * probability lost when the channel is removed (its states lead to null). Conversions are split
 * in proportion to the removal effects.
 */
export function markovAttribution(journeys: Journey[], order = 1): MarkovResult {
  if (order < 1 || order > 3) throw new RangeError(`order must be 1, 2 or 3, got ${order}`)
  const counts = new Map<string, Map<string, number>>()
  const add = (from: string, to: string) => {
    const row = counts.get(from) ?? new Map<string, number>()
    row.set(to, (row.get(to) ?? 0) + 1)
    counts.set(from, row)
  }
  let totalConversions = 0
  let totalValue = 0
  const channels = new Set<string>()
  for (const j of journeys) {
    const path = j.touchpoints.map((t) => t.channel)
    path.forEach((c) => channels.add(c))
    let previous = START
    for (let i = 0; i < path.length; i++) {
      const state = path.slice(Math.max(0, i - order + 1), i + 1).join('>')
      add(previous, state)
      previous = state
    }
    add(previous, j.converted ? CONVERSION : NULL)
    if (j.converted) {
      totalConversions++
      totalValue += j.value
    }
  }
  const transitions: Record<string, Record<string, number>> = {}
  for (const [from, row] of counts) {
    const sum = [...row.values()].reduce((s, v) => s + v, 0)
    transitions[from] = Object.fromEntries([...row].map(([to, n]) => [to, n / sum]))
  }
  const base = conversionProbability(transitions, null)
  const removalEffects: Record<string, number> = {}
  for (const c of [...channels].sort()) removalEffects[c] = base > 0 ? 1 - conversionProbability(transitions, c) / base : 0
  const sumEffects = Object.values(removalEffects).reduce((s, v) => s + v, 0)
  const share = (c: string) => (sumEffects > 0 ? removalEffects[c]! / sumEffects : 0)
  return {
    order,
    conversionProbability: base,
    removalEffects,
    conversions: Object.fromEntries(Object.keys(removalEffects).map((c) => [c, totalConversions * share(c)])),
    value: Object.fromEntries(Object.keys(removalEffects).map((c) => [c, totalValue * share(c)])),
    transitions,
  }
}

/** P(reaching conversion from the start), with the states of `removed` leading to null; by fixed-point iteration. */
function conversionProbability(transitions: Record<string, Record<string, number>>, removed: string | null): number {
  const states = Object.keys(transitions)
  const isRemoved = (state: string) => removed !== null && state.split('>').includes(removed)
  const p = new Map<string, number>(states.map((s) => [s, 0]))
  const valueOf = (state: string): number => (state === CONVERSION ? 1 : state === NULL || isRemoved(state) ? 0 : (p.get(state) ?? 0))
  for (let sweep = 0; sweep < 10_000; sweep++) {
    let change = 0
    for (const s of states) {
      if (isRemoved(s)) continue
      let v = 0
      for (const [to, prob] of Object.entries(transitions[s]!)) v += prob * valueOf(to)
      change = Math.max(change, Math.abs(v - p.get(s)!))
      p.set(s, v)
    }
    if (change < 1e-13) break
  }
  return p.get(START) ?? 0
}
