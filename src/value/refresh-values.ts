import { AppError } from '../core/errors.js'
import { fitBgNbd } from './bgnbd.js'
import type { FitResult } from './fit.js'
import { fitGammaGamma } from './gamma-gamma.js'
import { scoreCustomers, type ScoreOptions } from './score-customers.js'
import { buildSummaries, type Transaction } from './summary.js'

/** The two store methods the refresh needs, declared here so that value/ stays free of the store. */
export interface ValueSource {
  listOrders(): Promise<{ profileId: string; timestamp: string; revenue: number; currency: string | null }[]>
  putComputedValues(values: { profileId: string; kind: string; computedAt: string; data: Record<string, unknown> }[]): Promise<void>
}

export interface RefreshSummary {
  customers: number
  currency: string
  asOf: string
  bgnbd: FitResult<string>
  gammaGamma: FitResult<string> | null
  /** Why there is no spend model (and so no CLV), when there is none. */
  spendProblem: string | null
}

/**
 * Fits BG/NBD and Gamma-Gamma (in days) on every profile's orders up to `asOf`, scores each
 * profile and stores the scores as the computed value `value` shown in the profile API.
 * Orders in several currencies need `currency` to choose one.
 */
export async function refreshValues(
  source: ValueSource,
  opts: ScoreOptions & { asOf?: Date; currency?: string },
): Promise<RefreshSummary> {
  const orders = await source.listOrders()
  const currencies = [...new Set(orders.map((o) => o.currency ?? 'unknown'))].sort()
  const currency = opts.currency ?? (currencies.length === 1 ? currencies[0]! : undefined)
  if (currency === undefined) {
    throw new AppError('VALUE_INPUT_INVALID', `orders are in several currencies (${currencies.join(', ')}); choose one with --currency`)
  }
  const asOf = opts.asOf ?? new Date()
  const transactions: Transaction[] = orders
    .filter((o) => (o.currency ?? 'unknown') === currency && Date.parse(o.timestamp) <= asOf.getTime())
    .map((o) => ({ customerId: o.profileId, at: Date.parse(o.timestamp), value: Math.max(0, o.revenue) }))
  const summaries = buildSummaries(transactions, { calibrationEnd: asOf.getTime(), unit: 'days' })
  const rfm = { x: Float64Array.from(summaries, (s) => s.frequency), tx: Float64Array.from(summaries, (s) => s.recency), T: Float64Array.from(summaries, (s) => s.T) }
  const counts = fitBgNbd(rfm)
  const repeat = summaries.filter((s) => s.frequency > 0 && s.monetaryValue > 0)
  let spend: FitResult<string> | null = null
  let spendProblem: string | null = repeat.length < 10 ? `Gamma-Gamma needs at least 10 repeat buyers, got ${repeat.length}` : null
  if (!spendProblem) {
    try {
      spend = fitGammaGamma({ x: Float64Array.from(repeat, (s) => s.frequency), zbar: Float64Array.from(repeat, (s) => s.monetaryValue) })
    } catch (err) {
      // Spend that does not vary between customers has no finite Gamma-Gamma fit: score without CLV and say why.
      if (!(err instanceof AppError)) throw err
      spendProblem = err.message
    }
  }
  const scores = scoreCustomers(summaries, counts.params as never, (spend?.params as never) ?? null, opts)
  const computedAt = new Date().toISOString()
  await source.putComputedValues(
    summaries.map((s, i) => ({
      profileId: s.customerId,
      kind: 'value',
      computedAt,
      data: { ...scores[i]!, currency, horizonDays: opts.horizonDays, discountRate: opts.discountRate, model: spend ? 'bgnbd+gammagamma' : 'bgnbd' },
    })),
  )
  return { customers: summaries.length, currency, asOf: asOf.toISOString(), bgnbd: counts, gammaGamma: spend, spendProblem }
}
