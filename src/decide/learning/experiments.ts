import { createHash } from 'node:crypto'
import { roundTo } from '../../core/values.js'

/** A share in [0, 1) from a stable hash of the key: the same on every node and every run. */
export function hashShare(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32
}

/** Whether a customer is in a campaign's holdout group: a stable `share` of customers, hashed per campaign. */
export function inHoldout(campaignId: string, profileId: string, share: number): boolean {
  return share > 0 && hashShare(`holdout\u0000${campaignId}\u0000${profileId}`) < share
}

/** The arm of a decision: by the customer (the same arm at every decision and node), or by the decision for an anonymous visitor. */
export function armOf(arms: readonly { id: string; share: number }[], key: string): string {
  const u = hashShare(`arm\u0000${key}`)
  let sum = 0
  for (const a of arms) {
    sum += a.share
    if (u < sum) return a.id
  }
  return arms.at(-1)?.id ?? 'champion'
}

/** A difference of two means with its 95 % interval (normal approximation, unequal variances). */
export function difference(a: readonly number[], b: readonly number[]): { difference: number; low: number; high: number } {
  const stats = (xs: readonly number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1)
    return { mean, se2: xs.length > 0 ? variance / xs.length : 0 }
  }
  const [x, y] = [stats(a), stats(b)]
  const half = 1.96 * Math.sqrt(x.se2 + y.se2)
  const d = x.mean - y.mean
  return { difference: roundTo(d, 6), low: roundTo(d - half, 6), high: roundTo(d + half, 6) }
}

