import { AppError } from '../../core/errors.js'
import { DAY_MS } from '../../core/time.js'
import type { Store } from '../../store/store.js'
import type { Catalog } from '../catalog.js'
import type { LearnerAlert } from './learner.js'
import { alerts, calibration, performance, type Alert } from './monitor.js'
import { valueCurve } from './value-curve.js'

export interface ReportPeriod {
  from: string
  to: string
}

/** A period of days as a request names it (YYYY-MM-DD, both ends included), the last 30 days by default. */
export function reportPeriod(q: { from?: string | undefined; to?: string | undefined }, now: Date): ReportPeriod {
  const day = /^\d{4}-\d{2}-\d{2}$/
  for (const [name, v] of Object.entries(q)) {
    if (v !== undefined && !(day.test(v) && Number.isFinite(Date.parse(v)))) throw new AppError('REQUEST_INVALID', `${name} must be a day, YYYY-MM-DD, got "${v}"`)
  }
  const to = q.to ?? now.toISOString().slice(0, 10)
  const from = q.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10)
  if (from > to) throw new AppError('REQUEST_INVALID', `from must not be after to, got from ${from} and to ${to}`)
  return { from, to }
}

/** How the offers and campaigns did in a period (docs/decide.md, "Monitoring the loop"). */
export async function performanceReport(store: Store, catalog: Catalog | null, period: ReportPeriod) {
  const [daily, outcomes] = await Promise.all([store.decisions.learningDaily(period.from, period.to), store.decisions.outcomeCounts(period.from, period.to)])
  return { ...period, ...performance(daily, outcomes, catalog) }
}

/** Predicted against observed response rates in a period, and the daily Brier score and log loss. */
export async function calibrationReport(store: Store, period: ReportPeriod) {
  return { ...period, ...calibration(await store.decisions.learningDaily(period.from, period.to)) }
}

/** All of it for one period from one read of the daily sums (`salestwin decide report`): performance, calibration, and the alerts on the period's last days. */
export async function learningReport(store: Store, catalog: Catalog | null, period: ReportPeriod, resets: readonly LearnerAlert[]) {
  const [daily, outcomes] = await Promise.all([store.decisions.learningDaily(period.from, period.to), store.decisions.outcomeCounts(period.from, period.to)])
  return { ...period, ...performance(daily, outcomes, catalog), calibration: calibration(daily), alerts: alerts(daily), resets: [...resets] }
}

/** The value curve of one campaign's reached customers (value-curve.ts), up to `days` days after their reach. */
export async function valueCurveReport(store: Store, catalog: Catalog | null, q: { campaign?: string | undefined; days?: string | undefined }, now: Date) {
  const ids = catalog?.campaigns.map((c) => c.id) ?? []
  if (q.campaign === undefined || !ids.includes(q.campaign)) throw new AppError('REQUEST_INVALID', `campaign must be one of the catalog's campaigns (${ids.join(', ') || 'none'}), got ${q.campaign === undefined ? 'nothing' : `"${q.campaign}"`}`)
  const days = q.days === undefined ? 90 : Number(q.days)
  if (!(Number.isInteger(days) && days >= 1 && days <= 365)) throw new AppError('REQUEST_INVALID', `days must be a whole number from 1 to 365, got "${q.days}"`)
  return { campaign: q.campaign, ...valueCurve(await store.decisions.reachedCustomers(q.campaign), now, days) }
}

/** Offers whose observed rate left their prediction's interval on each of the last days, and models reset to their prior. */
export async function alertReport(store: Store, learner: readonly LearnerAlert[], now: Date, opts: { days?: number } = {}): Promise<{ alerts: Alert[]; resets: LearnerAlert[] }> {
  const period = reportPeriod({}, now)
  return { alerts: alerts(await store.decisions.learningDaily(period.from, period.to), opts), resets: [...learner] }
}
