import type { CustomerSummary } from './summary.js'

/**
 * Customers' summaries as columns: one typed array per number, so that a million customers take
 * about 40 MB beside their ids instead of a million objects (issue 15). A missing margin is NaN.
 */
export interface SummaryColumns {
  ids: string[]
  frequency: Float64Array
  recency: Float64Array
  T: Float64Array
  monetaryValue: Float64Array
  monetaryMargin: Float64Array
}

/** Summaries as columns, in their order. */
export function toColumns(summaries: readonly CustomerSummary[]): SummaryColumns {
  return {
    ids: summaries.map((s) => s.customerId),
    frequency: Float64Array.from(summaries, (s) => s.frequency),
    recency: Float64Array.from(summaries, (s) => s.recency),
    T: Float64Array.from(summaries, (s) => s.T),
    monetaryValue: Float64Array.from(summaries, (s) => s.monetaryValue),
    monetaryMargin: Float64Array.from(summaries, (s) => s.monetaryMargin ?? Number.NaN),
  }
}

/** A fixed number of number columns that grow by doubling: rows pushed one at a time, read back as views. */
export class GrowingColumns {
  private columns: Float64Array[]
  length = 0

  constructor(count: number) {
    this.columns = Array.from({ length: count }, () => new Float64Array(1024))
  }

  push(values: readonly number[]): void {
    if (this.length === this.columns[0]!.length) {
      this.columns = this.columns.map((c) => {
        const grown = new Float64Array(c.length * 2)
        grown.set(c)
        return grown
      })
    }
    values.forEach((v, k) => (this.columns[k]![this.length] = v))
    this.length++
  }

  views(): Float64Array[] {
    return this.columns.map((c) => c.subarray(0, this.length))
  }
}

/** Collects summaries one at a time into growing columns. */
export class SummaryColumnsBuilder {
  private readonly ids: string[] = []
  private readonly numbers = new GrowingColumns(5)

  push(s: CustomerSummary): void {
    this.ids.push(s.customerId)
    this.numbers.push([s.frequency, s.recency, s.T, s.monetaryValue, s.monetaryMargin ?? Number.NaN])
  }

  /** The columns sorted by customer id (JavaScript's string order), whatever order they came in. */
  sortedById(): SummaryColumns {
    const order = Array.from({ length: this.ids.length }, (_, i) => i).sort((a, b) => (this.ids[a]! < this.ids[b]! ? -1 : this.ids[a]! > this.ids[b]! ? 1 : 0))
    const [frequency, recency, T, monetaryValue, monetaryMargin] = this.numbers.views().map((c) => Float64Array.from(order, (i) => c[i]!)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
    return { ids: order.map((i) => this.ids[i]!), frequency, recency, T, monetaryValue, monetaryMargin }
  }
}
