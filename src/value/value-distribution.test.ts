import { describe, expect, it } from 'vitest'
import { valueDistribution } from './value-distribution.js'

describe('valueDistribution', () => {
  it('gives quantiles, the mean and a histogram to the 99th percentile with the rest above it', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i) // 0 … 999
    const d = valueDistribution(values, 10)!
    expect(d.quantiles).toEqual({ p10: 100, p25: 250, p50: 500, p75: 750, p90: 900, p99: 990 })
    expect(d.mean).toBe(499.5)
    expect(d.histogram).toHaveLength(11)
    expect(d.histogram[0]).toEqual({ from: 0, to: 99, customers: 99 })
    expect(d.histogram.at(-1)).toEqual({ from: 990, to: null, customers: 9 })
    expect(d.histogram.reduce((n, b) => n + b.customers, 0)).toBe(1000)
  })

  it('leaves out values that are not numbers (no CLV) and says nothing for none', () => {
    expect(valueDistribution(Float64Array.of(Number.NaN, 4))!.customers).toBe(1)
    expect(valueDistribution(Float64Array.of(Number.NaN))).toBeNull()
  })
})
