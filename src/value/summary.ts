import { AppError } from '../core/errors.js'

export interface Transaction {
  customerId: string
  /** Epoch milliseconds. */
  at: number
  value: number
  /** Cost of goods, when known, for margins. */
  cost?: number
  currency?: string
}

export type TimeUnit = 'days' | 'weeks'

export interface CustomerSummary {
  customerId: string
  /** Repeat purchase periods in calibration (purchases on distinct days after the first). */
  frequency: number
  /** Age at the last purchase, from the first (time units). */
  recency: number
  /** Age at the end of calibration, from the first purchase (time units). */
  T: number
  /** Mean value of the repeat purchases (0 without repeats). */
  monetaryValue: number
  /** Mean margin of the repeat purchases, when every one has a cost. */
  monetaryMargin: number | null
  /** Purchase days in the holdout period (only with a holdout). */
  holdoutFrequency?: number
  holdoutValue?: number
}

export interface SummaryOptions {
  calibrationEnd: number
  /** End of the holdout period; omit for no holdout. */
  observationEnd?: number
  unit: TimeUnit
}

const DAY_MS = 86_400_000
const UNIT_DAYS: Record<TimeUnit, number> = { days: 1, weeks: 7 }

/**
 * Builds the recency/frequency/monetary summary the models take, as lifetimes'
 * `summary_data_from_transaction_data` does: purchases on one day count as one (their values add
 * up), a zero-value purchase counts, only customers whose first purchase is in calibration appear, and the first purchase is
 * not a repeat (its value does not enter the monetary value).
 *
 * @example
 * buildSummaries([{ customerId: 'c1', at: Date.UTC(1997, 0, 1), value: 29.33 }], { calibrationEnd: Date.UTC(1997, 8, 30), unit: 'weeks' })
 */
export function buildSummaries(transactions: Transaction[], opts: SummaryOptions): CustomerSummary[] {
  const currencies = new Set(transactions.map((t) => t.currency).filter((c): c is string => Boolean(c)))
  if (currencies.size > 1) {
    throw new AppError('VALUE_INPUT_INVALID', `transactions must be in one currency, got ${[...currencies].sort().join(', ')}; convert them or summarize per currency`)
  }
  const byCustomer = new Map<string, Map<number, { value: number; cost: number | null }>>()
  transactions.forEach((t, i) => {
    // A zero-value purchase (a free item, a fully discounted order) is still a purchase, as in
    // lifetimes; a negative one is a refund and has no place in a purchase count.
    if (!Number.isFinite(t.value) || t.value < 0) {
      throw new AppError('VALUE_INPUT_INVALID', `transaction ${i + 1} (customer ${t.customerId}): value must be ≥ 0, got ${t.value}; book refunds against their order before summarizing`)
    }
    const day = Math.floor(t.at / DAY_MS)
    const days = byCustomer.get(t.customerId) ?? new Map()
    const previous = days.get(day)
    const cost = t.cost === undefined ? null : t.cost
    days.set(day, { value: (previous?.value ?? 0) + t.value, cost: previous === undefined ? cost : previous.cost === null || cost === null ? null : previous.cost + cost })
    byCustomer.set(t.customerId, days)
  })
  const calibrationEndDay = Math.floor(opts.calibrationEnd / DAY_MS)
  const observationEndDay = opts.observationEnd === undefined ? undefined : Math.floor(opts.observationEnd / DAY_MS)
  const unitDays = UNIT_DAYS[opts.unit]
  const out: CustomerSummary[] = []
  for (const [customerId, days] of byCustomer) {
    const sorted = [...days.entries()].sort((a, b) => a[0] - b[0])
    const first = sorted[0]![0]
    if (first > calibrationEndDay) continue
    const calibration = sorted.filter(([d]) => d <= calibrationEndDay)
    const repeats = calibration.slice(1)
    const margins = repeats.map(([, p]) => (p.cost === null ? null : p.value - p.cost))
    const summary: CustomerSummary = {
      customerId,
      frequency: repeats.length,
      recency: (calibration.at(-1)![0] - first) / unitDays,
      T: (calibrationEndDay - first) / unitDays,
      monetaryValue: repeats.length ? repeats.reduce((s, [, p]) => s + p.value, 0) / repeats.length : 0,
      monetaryMargin: repeats.length && margins.every((m) => m !== null) ? margins.reduce((s, m) => s + m!, 0) / repeats.length : null,
    }
    if (observationEndDay !== undefined) {
      const holdout = sorted.filter(([d]) => d > calibrationEndDay && d <= observationEndDay)
      summary.holdoutFrequency = holdout.length
      summary.holdoutValue = holdout.reduce((s, [, p]) => s + p.value, 0)
    }
    out.push(summary)
  }
  return out.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
}

/**
 * The customers Gamma-Gamma is fitted on: repeat buyers (frequency > 0) whose mean repeat order is
 * worth more than 0 — the model's spend is Gamma-distributed, so a zero mean has no likelihood. The
 * same rule for a summary file and for the store's orders; `zeroValue` counts who was left out.
 *
 * @example
 * repeatBuyers(Float64Array.of(0, 2, 3), Float64Array.of(0, 0, 12.5)) // { keep: [2], zeroValue: 1 }
 */
export function repeatBuyers(frequency: Float64Array, meanValue: Float64Array): { keep: number[]; zeroValue: number } {
  const keep: number[] = []
  let zeroValue = 0
  for (let i = 0; i < frequency.length; i++) {
    if (frequency[i]! <= 0) continue
    if (meanValue[i]! > 0) keep.push(i)
    else zeroValue++
  }
  return { keep, zeroValue }
}
