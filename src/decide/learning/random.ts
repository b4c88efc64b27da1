import { Random } from '../../core/random.js'

export type { Random } from '../../core/random.js'

const POOL = 1 << 16
const pools = new Map<number, Float64Array>()

/**
 * The policy's randomness (Thompson sampling, exploration, the Monte Carlo of the show
 * probabilities): the project's seeded generator (core/random.ts), with its standard normals taken
 * from a pool it fills once per seed — a decision draws hundreds of normals (and its Beta draws,
 * the generator's gammas, draw normals too), and a pool lookup costs a fraction of Box–Muller's
 * logarithm, square root and cosine.
 */
class PolicyRandom extends Random {
  private readonly normals: Float64Array

  constructor(seed: number) {
    super(seed)
    let pool = pools.get(seed)
    if (!pool) {
      const fill = new Random(seed ^ 0x5bd1e995)
      pool = Float64Array.from({ length: POOL }, () => fill.normal())
      pools.set(seed, pool)
    }
    this.normals = pool
  }

  override normal(): number {
    return this.normals[(this.next() * POOL) | 0]!
  }
}

/** A seeded source for the policy; without a seed, one from the clock. */
export function randomSource(seed: number = (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) >>> 0): Random {
  return new PolicyRandom(seed)
}
