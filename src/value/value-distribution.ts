import { roundTo } from '../core/values.js'

export interface ValueDistribution {
  customers: number
  /** The value at each quantile (the lower one at ties). */
  quantiles: { p10: number; p25: number; p50: number; p75: number; p90: number; p99: number }
  mean: number
  /** Equal-width bins from 0 to the 99th percentile, and one bin above it: data for a histogram. */
  histogram: { from: number; to: number | null; customers: number }[]
}

/**
 * How customer values (e.g. CLV) are spread, from one pass over a typed array: what the
 * dashboard's distribution chart shows without reading every profile.
 *
 * @example
 * valueDistribution(Float64Array.of(0, 5, 12, 80), 10)
 */
export function valueDistribution(values: Float64Array, bins = 20): ValueDistribution | null {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return null
  const sorted = Float64Array.from(finite).sort()
  const at = (q: number) => roundTo(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!, 2)
  const top = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!
  const width = top > 0 ? top / bins : 1
  const counts = new Array<number>(bins + 1).fill(0)
  let sum = 0
  for (const v of sorted) {
    sum += v
    counts[v > top ? bins : Math.min(bins - 1, Math.max(0, Math.floor(v / width)))]!++
  }
  return {
    customers: sorted.length,
    quantiles: { p10: at(0.1), p25: at(0.25), p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99) },
    mean: roundTo(sum / sorted.length, 2),
    histogram: counts.map((customers, i) => ({ from: roundTo(i * width, 2), to: i === bins ? null : roundTo((i + 1) * width, 2), customers })).filter((b, i) => i < bins || b.customers > 0),
  }
}
