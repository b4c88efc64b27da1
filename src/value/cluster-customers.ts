import { kmeans } from 'ml-kmeans'
import { Random } from '../core/random.js'
import { roundTo } from '../core/values.js'

/** What clustering looks at for one customer. */
export interface ValueFeatures {
  clv: number
  probabilityAlive: number
  expectedPurchases365d: number
  frequency: number
  monetaryValue: number
  daysSinceLastPurchase: number
}

export interface ClusterSummary {
  cluster: number
  label: string
  size: number
  meanClv: number
  meanProbabilityAlive: number
  meanFrequency: number
  meanMonetaryValue: number
  /** The CLV that the best 10 % of this cluster reach. */
  benchmarkClv: number
  /** Sum over the cluster of (benchmark − own CLV), where positive: what is left to win. */
  potential: number
}

export interface Clustering {
  k: number
  /** Mean silhouette (−1..1) on a sample of at most 2,000 customers. */
  silhouette: number
  clusters: ClusterSummary[]
  /** Per customer, in input order: cluster index and own potential. */
  assignments: { cluster: number; label: string; potential: number }[]
}

const SILHOUETTE_SAMPLE = 2000

/**
 * Groups customers with k-means++ (ml-kmeans, seeded) on standardized value features
 * (log CLV, P(alive), log expected purchases, log frequency, log spend, days since the last
 * purchase), chooses k by the best silhouette when not given, labels each cluster readably and
 * scores its potential: how far each customer's CLV lies below what the best 10 % of the
 * comparable customers (the same cluster) achieve.
 *
 * @example
 * clusterCustomers(features, { kRange: [2, 6], seed: 7 })
 */
export function clusterCustomers(features: ValueFeatures[], opts: { k?: number; kRange?: [number, number]; seed?: number }): Clustering {
  const seed = opts.seed ?? 42
  const points = standardize(
    features.map((f) => [Math.log1p(Math.max(0, f.clv)), f.probabilityAlive, Math.log1p(f.expectedPurchases365d), Math.log1p(f.frequency), Math.log1p(f.monetaryValue), f.daysSinceLastPurchase]),
  )
  const sample = sampleIndexes(points.length, SILHOUETTE_SAMPLE, seed)
  const candidates = opts.k ? [opts.k] : range(opts.kRange?.[0] ?? 2, Math.min(opts.kRange?.[1] ?? 6, points.length - 1))
  let best: { k: number; clusters: number[]; silhouette: number } | null = null
  for (const k of candidates) {
    const result = kmeans(points, k, { initialization: 'kmeans++', seed, maxIterations: 200 })
    const s = silhouette(points, result.clusters, sample)
    if (!best || s > best.silhouette + 1e-9) best = { k, clusters: result.clusters, silhouette: s }
  }
  if (!best) throw new Error(`clustering needs at least 3 customers, got ${points.length}`)
  const summaries = summarize(features, best.clusters, best.k)
  const benchmark = new Map(summaries.map((c) => [c.cluster, c.benchmarkClv]))
  return {
    k: best.k,
    silhouette: roundTo(best.silhouette, 3),
    clusters: summaries,
    assignments: best.clusters.map((c, i) => ({
      cluster: c,
      label: summaries.find((s) => s.cluster === c)!.label,
      potential: roundTo(Math.max(0, benchmark.get(c)! - features[i]!.clv), 2),
    })),
  }
}

function summarize(features: ValueFeatures[], assignment: number[], k: number): ClusterSummary[] {
  const population = valueScale(features)
  const out: ClusterSummary[] = []
  for (let c = 0; c < k; c++) {
    const members = features.filter((_, i) => assignment[i] === c)
    if (members.length === 0) continue
    const clvs = members.map((m) => m.clv).sort((a, b) => a - b)
    const benchmarkClv = quantileOfSorted(clvs, 0.9)
    const summary: ClusterSummary = {
      cluster: c,
      label: '',
      size: members.length,
      meanClv: roundTo(mean(clvs), 2),
      meanProbabilityAlive: roundTo(mean(members.map((m) => m.probabilityAlive)), 2),
      meanFrequency: roundTo(mean(members.map((m) => m.frequency)), 2),
      meanMonetaryValue: roundTo(mean(members.map((m) => m.monetaryValue)), 2),
      benchmarkClv: roundTo(benchmarkClv, 2),
      potential: roundTo(clvs.reduce((s, v) => s + Math.max(0, benchmarkClv - v), 0), 2),
    }
    summary.label = labelOf(summary, population)
    out.push(summary)
  }
  // Two clusters with the same label are told apart by their value rank.
  const seen = new Map<string, number>()
  for (const c of [...out].sort((a, b) => b.meanClv - a.meanClv)) {
    const n = (seen.get(c.label) ?? 0) + 1
    seen.set(c.label, n)
    if (n > 1) c.label = `${c.label} (${n})`
  }
  return out.sort((a, b) => b.meanClv - a.meanClv)
}

/** Where the population's values lie: CLV quartiles, and what a typical order is worth. */
interface ValueScale {
  medianClv: number
  upperQuartileClv: number
  typicalOrder: number
}

function valueScale(features: ValueFeatures[]): ValueScale {
  const clvs = features.map((f) => f.clv).sort((a, b) => a - b)
  const orders = features.map((f) => f.monetaryValue).filter((v) => v > 0)
  return { medianClv: quantileOfSorted(clvs, 0.5), upperQuartileClv: quantileOfSorted(clvs, 0.75), typicalOrder: orders.length > 0 ? mean(orders) : 0 }
}

/**
 * A readable name from how alive and how valuable a cluster is. Value is judged against the
 * population's CLV distribution (upper quartile, median) and, so that a base of near-zero values
 * (a store scored long after its last order) never gets a "high value" cluster, against what a
 * typical order is worth: high value means at least one typical order expected, and in the top quarter.
 */
function labelOf(c: ClusterSummary, scale: ValueScale): string {
  if (c.meanProbabilityAlive >= 0.6) {
    if (c.meanClv >= scale.upperQuartileClv && c.meanClv >= scale.typicalOrder) return 'loyal high value'
    if (c.meanClv >= scale.medianClv && c.meanClv >= 0.25 * scale.typicalOrder) return 'active regulars'
    return c.meanFrequency < 1 ? 'new one-time buyers' : 'active low value'
  }
  if (c.meanProbabilityAlive >= 0.3) return c.meanFrequency >= 2 ? 'at risk valuable' : 'at risk'
  return 'lapsed'
}

/** The value at quantile `q` of an ascending list (the lower one at ties; 0 for an empty list). */
function quantileOfSorted(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0
}

function standardize(rows: number[][]): number[][] {
  const dims = rows[0]?.length ?? 0
  const mu = range(0, dims - 1).map((d) => mean(rows.map((r) => r[d]!)))
  const sd = range(0, dims - 1).map((d) => Math.sqrt(mean(rows.map((r) => (r[d]! - mu[d]!) ** 2))) || 1)
  return rows.map((r) => r.map((v, d) => (v - mu[d]!) / sd[d]!))
}

/** Mean silhouette over the sampled points, distances to all points of the sample. */
function silhouette(points: number[][], clusters: number[], sample: number[]): number {
  let total = 0
  for (const i of sample) {
    const byCluster = new Map<number, { sum: number; n: number }>()
    for (const j of sample) {
      if (i === j) continue
      const d = Math.sqrt(points[i]!.reduce((s, v, k) => s + (v - points[j]![k]!) ** 2, 0))
      const acc = byCluster.get(clusters[j]!) ?? { sum: 0, n: 0 }
      acc.sum += d
      acc.n++
      byCluster.set(clusters[j]!, acc)
    }
    const own = byCluster.get(clusters[i]!)
    const a = own && own.n > 0 ? own.sum / own.n : 0
    let b = Infinity
    for (const [c, acc] of byCluster) if (c !== clusters[i] && acc.n > 0) b = Math.min(b, acc.sum / acc.n)
    total += b === Infinity || Math.max(a, b) === 0 ? 0 : (b - a) / Math.max(a, b)
  }
  return sample.length ? total / sample.length : 0
}

function sampleIndexes(n: number, max: number, seed: number): number[] {
  const all = range(0, n - 1)
  if (n <= max) return all
  const r = new Random(seed)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1))
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all.slice(0, max)
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : 0
}
