import normalFactory from '@stdlib/random-base-normal'
import mt19937 from '@stdlib/random-base-mt19937'

/**
 * The policy's randomness (Thompson sampling, exploration, the Monte Carlo draws behind the logged
 * probabilities): seeded, so a simulation or a test repeats exactly. Standard normals come from a
 * pool that @stdlib's generator fills once; a draw picks one of them with a fast uniform (sfc32),
 * because a decision draws hundreds of them and a library call costs ~45 ns each.
 */
export interface Random {
  /** Uniform on [0, 1). */
  uniform(): number
  /** Standard normal. */
  normal(): number
  /** A uniform integer in [0, n). */
  below(n: number): number
  /** Beta(a, b), as X / (X + Y) of two gamma variates. */
  beta(a: number, b: number): number
}

const POOL = 1 << 16
const pools = new Map<number, Float64Array>()

/** @stdlib's Mersenne Twister on [0, 1) (its `normalized` form, which its types leave out). */
export function uniformMt(seed: number): () => number {
  return (mt19937.factory({ seed: (seed >>> 0) || 1 }) as unknown as { normalized: () => number }).normalized
}

/** The pool of standard normals for a seed (65,536 of them, made once per seed). */
function normalPool(seed: number): Float64Array {
  let pool = pools.get(seed)
  if (!pool) {
    const draw = normalFactory.factory(0, 1, { prng: uniformMt(seed) })
    pool = new Float64Array(POOL)
    for (let i = 0; i < POOL; i++) pool[i] = draw()
    pools.set(seed, pool)
  }
  return pool
}

/** A seeded source; without a seed, one from the clock and Math.random. */
export function randomSource(seed: number = (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) >>> 0): Random {
  // sfc32 (Chris Doty-Humphrey's small fast counting generator): 128 bits of state, passes PractRand.
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (a + b + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  const normals = normalPool(seed)
  const normal = () => normals[(next() * POOL) | 0]!
  const gamma = (shape: number): number => gammaVariate(shape, next, normal)
  return {
    uniform: next,
    normal,
    below: (n) => Math.floor(next() * n),
    beta: (a, b) => {
      const x = gamma(a)
      return x / (x + gamma(b))
    },
  }
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000), "A simple method for generating gamma variables";
 * below shape 1 by their boost Gamma(shape + 1) · U^(1/shape). @stdlib's generator does the same
 * at ~120 ns a call; a decision draws hundreds, so it runs on this module's fast uniforms and normals.
 */
function gammaVariate(shape: number, uniform: () => number, normal: () => number): number {
  if (shape < 1) return gammaVariate(shape + 1, uniform, normal) * Math.pow(uniform() || Number.MIN_VALUE, 1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normal()
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = uniform()
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}
