import { touchpointCredits } from './heuristic-models.js'
import type { Journey } from './journeys.js'

/** Journeys that took the same path, counted together: what Markov, Shapley and the positional models need. */
export interface WeightedPath {
  /** The touchpoints' keys (channels, or "channel/campaign"), in order. */
  channels: readonly string[]
  journeys: number
  conversions: number
  /** Summed conversion value of the converting journeys. */
  value: number
}

/** Per key: credited conversions and value. */
export type CreditSums = Map<string, { conversions: number; value: number }>

/**
 * The journeys of one keying (by channel, or by "channel/campaign") folded as they arrive: each
 * distinct path once, with its counts, and the time-decay credits, the one model that needs the
 * touchpoints' times. Memory grows with the distinct paths, not with the journeys (issue 15).
 * A path is held as a string of key indexes (one UTF-16 unit each), so a million journeys over a
 * few thousand paths take a few thousand short strings.
 */
export class JourneyTally {
  journeys = 0
  conversions = 0
  value = 0
  readonly timeDecay: CreditSums = new Map()
  private readonly keys: string[] = []
  private readonly indexOf = new Map<string, number>()
  private readonly paths = new Map<string, { journeys: number; conversions: number; value: number }>()

  constructor(private readonly halfLifeDays = 7) {}

  /** Adds one journey, its touchpoints keyed by `keyOf` (default: the channel). */
  add(journey: Journey, keyOf: (t: Journey['touchpoints'][number]) => string = (t) => t.channel): void {
    let path = ''
    for (const t of journey.touchpoints) path += String.fromCharCode(this.index(keyOf(t)))
    const acc = this.paths.get(path)
    if (acc) acc.journeys++
    else this.paths.set(path, { journeys: 1, conversions: 0, value: 0 })
    this.journeys++
    if (!journey.converted) return
    const stats = this.paths.get(path)!
    stats.conversions++
    stats.value += journey.value
    this.conversions++
    this.value += journey.value
    touchpointCredits(journey, 'time_decay', this.halfLifeDays).forEach((credit, i) => {
      if (credit === 0) return
      addCredit(this.timeDecay, this.keys[path.charCodeAt(i)]!, credit, credit * journey.value)
    })
  }

  /**
   * The distinct paths, in the order they first arrived, made one at a time as they are read; the
   * result can be iterated again (Markov and Shapley read it twice) without holding them all.
   */
  weightedPaths(): Iterable<WeightedPath> {
    const paths = this.paths
    const keys = this.keys
    return {
      *[Symbol.iterator]() {
        for (const [path, stats] of paths) yield { channels: Array.from(path, (ch) => keys[ch.charCodeAt(0)]!), ...stats }
      },
    }
  }

  get distinctPaths(): number {
    return this.paths.size
  }

  private index(key: string): number {
    let i = this.indexOf.get(key)
    if (i === undefined) {
      i = this.keys.length
      if (i >= 0xd800) throw new RangeError(`attribution takes at most ${0xd800} distinct channel keys, got more`)
      this.keys.push(key)
      this.indexOf.set(key, i)
    }
    return i
  }
}

/** The journeys' distinct paths with their counts, for Markov and Shapley over an in-memory list. */
export function pathsOf(journeys: Iterable<Journey>): WeightedPath[] {
  const tally = new JourneyTally()
  for (const j of journeys) tally.add(j)
  return [...tally.weightedPaths()]
}

/** The sorted channels (keys) the paths touch. */
export function channelsOfPaths(paths: Iterable<WeightedPath>): string[] {
  const seen = new Set<string>()
  for (const p of paths) for (const c of p.channels) seen.add(c)
  return [...seen].sort()
}

export function addCredit(sums: CreditSums, key: string, conversions: number, value: number): void {
  const acc = sums.get(key)
  if (acc) {
    acc.conversions += conversions
    acc.value += value
  } else sums.set(key, { conversions, value })
}
