import type { OrderRow } from '../core/computed.js'
import { AppError } from '../core/errors.js'
import { buildSummaries, type Transaction } from './summary.js'
import { GrowingColumns, SummaryColumnsBuilder, type SummaryColumns } from './summary-columns.js'
import type { HoldoutData } from './holdout-check.js'

const DAY_MS = 86_400_000

export interface OrderSummaries {
  currency: string
  /** Per customer up to asOf, sorted by customer id. */
  summaries: SummaryColumns
  /** Per customer with calibration up to asOf − holdoutDays and the holdout up to asOf, in the store's profile order. */
  holdout: HoldoutData
  /** Epoch ms of the newest order up to asOf (−∞ without any). */
  newest: number
}

/**
 * Reads the store's orders a page at a time (ordered by profile) and summarizes each profile as
 * soon as its last order has come: memory follows the customers, not the orders (issue 15). Orders
 * in several currencies need `currency` to choose one; the summaries are lifetimes' (see
 * buildSummaries), in days, once for the fit and once for the holdout check.
 */
export async function readOrderSummaries(
  source: { orderPages(): AsyncIterable<OrderRow[]> },
  opts: { asOf: Date; holdoutDays: number; currency?: string; onProgress?: (ordersRead: number) => void },
): Promise<OrderSummaries> {
  const calibrationEnd = opts.asOf.getTime()
  const holdoutStart = calibrationEnd - opts.holdoutDays * DAY_MS
  const byCurrency = new Map<string, { summaries: SummaryColumnsBuilder; holdout: GrowingColumns; newest: number }>()
  const empty = () => ({ summaries: new SummaryColumnsBuilder(), holdout: new GrowingColumns(4), newest: Number.NEGATIVE_INFINITY })
  let profileOrders: OrderRow[] = []
  const summarize = () => {
    const byCur = new Map<string, Transaction[]>()
    for (const o of profileOrders) {
      const currency = o.currency ?? 'unknown'
      if (opts.currency !== undefined && currency !== opts.currency) continue
      let acc = byCurrency.get(currency)
      if (!acc) byCurrency.set(currency, (acc = empty()))
      const at = Date.parse(o.timestamp)
      if (at > calibrationEnd) continue
      acc.newest = Math.max(acc.newest, at)
      const list = byCur.get(currency) ?? []
      list.push({ customerId: o.profileId, at, value: Math.max(0, o.revenue), ...(o.cost === null ? {} : { cost: o.cost }) })
      byCur.set(currency, list)
    }
    for (const [currency, transactions] of byCur) {
      const acc = byCurrency.get(currency)!
      for (const c of buildSummaries(transactions, { calibrationEnd, unit: 'days' })) acc.summaries.push(c)
      for (const h of buildSummaries(transactions, { calibrationEnd: holdoutStart, observationEnd: calibrationEnd, unit: 'days' })) acc.holdout.push([h.frequency, h.recency, h.T, h.holdoutFrequency ?? 0])
    }
    profileOrders = []
  }
  let read = 0
  for await (const page of source.orderPages()) {
    for (const order of page) {
      if (profileOrders.length > 0 && profileOrders[0]!.profileId !== order.profileId) summarize()
      profileOrders.push(order)
    }
    read += page.length
    opts.onProgress?.(read)
  }
  summarize()
  const currencies = [...byCurrency.keys()].sort()
  const currency = opts.currency ?? (currencies.length === 1 ? currencies[0]! : undefined)
  if (currency === undefined) {
    throw new AppError('VALUE_INPUT_INVALID', `orders are in several currencies (${currencies.join(', ')}); choose one with --currency`)
  }
  const chosen = byCurrency.get(currency) ?? empty()
  const [x, tx, T, holdoutFrequency] = chosen.holdout.views() as [Float64Array, Float64Array, Float64Array, Float64Array]
  // Customer-id order, as buildSummaries gives for a whole list: the same scores whatever order the database sorts text in.
  return { currency, summaries: chosen.summaries.sortedById(), holdout: { x, tx, T, holdoutFrequency }, newest: chosen.newest }
}
