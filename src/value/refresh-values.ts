import type { ComputedValue, OrderRow } from '../core/computed.js'
import { AppError } from '../core/errors.js'
import { fitBgNbd } from './bgnbd.js'
import type { FitResult } from './fit.js'
import { fitGammaGamma } from './gamma-gamma.js'
import { scoreAt, scoreColumns, type ScoreOptions } from './score-customers.js'
import { readOrderSummaries } from './order-summaries.js'
import type { RfmData } from './rfm-data.js'
import { clusterCustomers, placeOf, type Clustering } from './cluster-customers.js'
import { roundTo } from '../core/values.js'
import { valueDistribution, type ValueDistribution } from './value-distribution.js'
import { holdoutCheck, type HoldoutData, type HoldoutRow } from './holdout-check.js'
import { repeatBuyers } from './summary.js'

/** The store parts the refresh needs, declared here so that value/ stays free of the store. */
export interface ValueSource {
  /** Orders ordered by profile and time, in pages. */
  journeys: { orderPages(): AsyncIterable<OrderRow[]> }
  values: { putRun(run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void> }
}

export interface RefreshSummary {
  customers: number
  currency: string
  asOf: string
  bgnbd: FitResult<string>
  gammaGamma: FitResult<string> | null
  /** Why there is no spend model (and so no CLV), when there is none. */
  spendProblem: string | null
  clustering: Omit<Clustering, 'assignment'> | null
  /** How CLV is spread over the scored customers (null without a spend model). */
  clvDistribution: ValueDistribution | null
  /** How P(alive) is spread. */
  probabilityAliveDistribution: ValueDistribution | null
  /** The recency/frequency data the count models were fitted on (days). */
  rfm: RfmData
  /** Calibration up to asOf − holdoutDays against the holdout; null when the data are too short. */
  holdoutCheck: { holdoutDays: number; rows: HoldoutRow[] } | null
  /** Repeat buyers left out of Gamma-Gamma because their mean repeat order is worth 0. */
  zeroValueRepeatBuyers: number
  /** What the caller should know about the data, e.g. that the newest order is long before asOf. */
  warnings: string[]
}

/** Days between the newest order and asOf beyond which the fit is said to measure mostly silence. */
const STALE_AFTER_DAYS = 180

/**
 * Fits BG/NBD and Gamma-Gamma (in days) on every profile's orders up to `asOf`, scores each
 * profile and stores the scores as the computed value `value` shown in the profile API.
 * Orders in several currencies need `currency` to choose one.
 */
export async function refreshValues(
  source: ValueSource,
  opts: ScoreOptions & { asOf?: Date; currency?: string; holdoutDays?: number; clusters?: number; onProgress?: (ordersRead: number) => void },
): Promise<RefreshSummary> {
  const asOf = opts.asOf ?? new Date()
  const holdoutDays = opts.holdoutDays ?? 90
  const read = await readOrderSummaries(source.journeys, { asOf, holdoutDays, ...(opts.currency ? { currency: opts.currency } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
  const { currency, summaries, newest } = read
  const n = summaries.ids.length
  const rfm = { x: summaries.frequency, tx: summaries.recency, T: summaries.T }
  const counts = fitBgNbd(rfm)
  const { keep: repeat, zeroValue } = repeatBuyers(summaries.frequency, summaries.monetaryValue)
  const warnings: string[] = []
  const staleDays = Math.floor((asOf.getTime() - newest) / 86_400_000)
  if (Number.isFinite(newest) && staleDays > STALE_AFTER_DAYS) {
    warnings.push(
      `the newest ${currency} order (${new Date(newest).toISOString().slice(0, 10)}) is ${staleDays} days before the calibration end ${asOf.toISOString().slice(0, 10)}: the fit measures mostly that silence; for historical data set --as-of to the end of its period`,
    )
  }
  let spend: FitResult<string> | null = null
  let spendProblem: string | null = repeat.length < 10 ? `Gamma-Gamma needs at least 10 repeat buyers, got ${repeat.length}` : null
  if (!spendProblem) {
    try {
      spend = fitGammaGamma({ x: Float64Array.from(repeat, (i) => summaries.frequency[i]!), zbar: Float64Array.from(repeat, (i) => summaries.monetaryValue[i]!) })
    } catch (err) {
      // Spend that does not vary between customers has no finite Gamma-Gamma fit: score without CLV and say why.
      if (!(err instanceof AppError)) throw err
      spendProblem = err.message
    }
  }
  const scores = scoreColumns(summaries, counts.params as never, (spend?.params as never) ?? null, opts)
  // Clustering reads the scores as the profile API shows them (rounded), a row at a time.
  const shown = (column: Float64Array) => Float64Array.from(column, (v) => (Number.isNaN(v) ? 0 : roundTo(v, 4)))
  const [clv, alive, expected365] = [shown(scores.clv), shown(scores.probabilityAlive), shown(scores.expectedPurchases365d)]
  const clustering =
    n >= 20
      ? clusterCustomers(
          {
            length: n,
            row: (i) => ({
              clv: clv[i]!,
              probabilityAlive: alive[i]!,
              expectedPurchases365d: expected365[i]!,
              frequency: summaries.frequency[i]!,
              monetaryValue: summaries.monetaryValue[i]!,
              daysSinceLastPurchase: summaries.T[i]! - summaries.recency[i]!,
            }),
          },
          { ...(opts.clusters ? { k: opts.clusters } : { kRange: [2, 6] as [number, number] }), seed: 42 },
        )
      : null
  const holdout = checkOnHoldout(read.holdout, holdoutDays)
  const computedAt = new Date().toISOString()
  // Built a page at a time as the store takes them, so that a million profiles' JSON is never held at once.
  function* values(): Generator<ComputedValue[]> {
    for (let from = 0; from < n; from += 5000) {
      const page: ComputedValue[] = []
      for (let i = from; i < Math.min(n, from + 5000); i++) {
        const place = clustering ? placeOf(clustering, i, clv[i]!) : null
        page.push({
          profileId: summaries.ids[i]!,
          kind: 'value',
          computedAt,
          data: {
            ...scoreAt(summaries, scores, i),
            ...(place ? { cluster: place.label, potential: place.potential } : {}),
            currency,
            horizonDays: opts.horizonDays,
            discountRate: opts.discountRate,
            model: spend ? 'bgnbd+gammagamma' : 'bgnbd',
          },
        })
      }
      yield page
    }
  }
  const result: RefreshSummary = {
    customers: n,
    currency,
    asOf: asOf.toISOString(),
    bgnbd: counts,
    gammaGamma: spend,
    spendProblem,
    clustering: clustering ? { k: clustering.k, silhouette: clustering.silhouette, clusters: clustering.clusters } : null,
    clvDistribution: spend ? valueDistribution(scores.clv) : null,
    probabilityAliveDistribution: valueDistribution(scores.probabilityAlive, 10),
    rfm,
    holdoutCheck: holdout,
    zeroValueRepeatBuyers: zeroValue,
    warnings,
  }
  const { rfm: _rfm, ...kept } = result
  await source.values.putRun({ computedAt, data: kept as unknown as Record<string, unknown> }, values())
  return result
}

/** Fits on the orders before the holdout and compares with what the holdout brought; null when that cannot fit. */
function checkOnHoldout(data: HoldoutData, holdoutDays: number): RefreshSummary['holdoutCheck'] {
  try {
    const fit = fitBgNbd({ x: data.x, tx: data.tx, T: data.T })
    return { holdoutDays, rows: holdoutCheck(data, fit.params, holdoutDays) }
  } catch (err) {
    if (err instanceof AppError) return null // too little history before the holdout: no check this time
    throw err
  }
}
