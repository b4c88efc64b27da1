import type { DailyRow } from '../../store/learning-writes.js'
import type { Catalog } from '../catalog.js'
import { roundTo } from '../../core/values.js'

/** The predicted-rate bands of the reliability data: response rates are small, so the bands are narrow below 10 %. */
export const BANDS = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1] as const

const bandOf = (p: number) => {
  for (let b = 1; b < BANDS.length; b++) if (p < BANDS[b]!) return b - 1
  return BANDS.length - 2
}
const clamp = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p))

/** A folded showing as monitoring counts it: the day of its decision, the rate predicted for it, its label. */
export interface FoldedShowing {
  day: string
  offerId: string
  arm: string
  campaignId: string
  predicted: number
  label: 0 | 1
}

/** The days' sums of a fold's showings (learning_daily rows to add). */
export function dailySums(showings: readonly FoldedShowing[]): DailyRow[] {
  const out = new Map<string, DailyRow>()
  for (const s of showings) {
    const key = `${s.day}\u0000${s.offerId}\u0000${s.arm}`
    let row = out.get(key)
    if (!row) {
      row = { day: s.day, offerId: s.offerId, arm: s.arm, campaignId: s.campaignId, n: 0, positives: 0, predicted: 0, variance: 0, brier: 0, logLoss: 0, bands: BANDS.slice(1).map(() => [0, 0, 0] as [number, number, number]) }
      out.set(key, row)
    }
    const p = clamp(s.predicted)
    row.n++
    row.positives += s.label
    row.predicted += p
    row.variance += p * (1 - p)
    row.brier += (p - s.label) ** 2
    row.logLoss -= s.label === 1 ? Math.log(p) : Math.log(1 - p)
    const band = row.bands[bandOf(p)]!
    band[0]++
    band[1] += s.label
    band[2] += p
  }
  return [...out.values()]
}

export interface OutcomeCount {
  day: string
  offerId: string
  outcome: string
  n: number
  value: number
}

export interface OfferPerformance {
  offer: string
  campaign: string
  /** Showings whose outcome is final (responded, rejected, or the response window closed). */
  showings: number
  impressions: number
  clicks: number
  accepts: number
  rejects: number
  conversions: number
  revenue: number
  cost: number
  profit: number
  /** Responses (accept, converted) per finished showing, and the rate the model predicted for them. */
  observedRate: number
  predictedRate: number
}

/**
 * Per offer and per campaign over a period (docs/decide.md, "Monitoring the loop"): the outcomes
 * recorded for the period's decisions and the folded showings, with cost (each showing's offer cost)
 * and profit (the conversions' revenue less the cost).
 */
export function performance(daily: readonly DailyRow[], outcomes: readonly OutcomeCount[], catalog: Catalog | null): { offers: OfferPerformance[]; campaigns: Omit<OfferPerformance, 'offer'>[] } {
  const byOffer = new Map<string, OfferPerformance>()
  const of = (offer: string, campaign: string) => {
    let p = byOffer.get(offer)
    if (!p) byOffer.set(offer, (p = { offer, campaign, showings: 0, impressions: 0, clicks: 0, accepts: 0, rejects: 0, conversions: 0, revenue: 0, cost: 0, profit: 0, observedRate: 0, predictedRate: 0 }))
    return p
  }
  const predicted = new Map<string, number>()
  for (const d of daily) {
    const p = of(d.offerId, d.campaignId)
    p.showings += d.n
    predicted.set(d.offerId, (predicted.get(d.offerId) ?? 0) + d.predicted)
    p.observedRate += d.positives
  }
  for (const o of outcomes) {
    const p = of(o.offerId, catalog?.offers.get(o.offerId)?.campaignId ?? byOffer.get(o.offerId)?.campaign ?? '')
    if (o.outcome === 'impression') p.impressions += o.n
    else if (o.outcome === 'click') p.clicks += o.n
    else if (o.outcome === 'accept') p.accepts += o.n
    else if (o.outcome === 'reject') p.rejects += o.n
    else if (o.outcome === 'converted') {
      p.conversions += o.n
      p.revenue += o.value
    }
  }
  for (const p of byOffer.values()) {
    p.cost = roundTo(p.showings * (catalog?.offers.get(p.offer)?.cost ?? 0), 6)
    p.revenue = roundTo(p.revenue, 6)
    p.profit = roundTo(p.revenue - p.cost, 6)
    p.observedRate = p.showings > 0 ? roundTo(p.observedRate / p.showings, 6) : 0
    p.predictedRate = p.showings > 0 ? roundTo((predicted.get(p.offer) ?? 0) / p.showings, 6) : 0
  }
  const offers = [...byOffer.values()].sort((a, b) => b.profit - a.profit || (a.offer < b.offer ? -1 : 1))
  const campaigns = new Map<string, Omit<OfferPerformance, 'offer'>>()
  for (const p of offers) {
    const c = campaigns.get(p.campaign) ?? { campaign: p.campaign, showings: 0, impressions: 0, clicks: 0, accepts: 0, rejects: 0, conversions: 0, revenue: 0, cost: 0, profit: 0, observedRate: 0, predictedRate: 0 }
    for (const k of ['showings', 'impressions', 'clicks', 'accepts', 'rejects', 'conversions', 'revenue', 'cost', 'profit'] as const) c[k] = roundTo(c[k] + p[k], 6)
    c.observedRate += p.observedRate * p.showings
    c.predictedRate += p.predictedRate * p.showings
    campaigns.set(p.campaign, c)
  }
  for (const c of campaigns.values()) {
    c.observedRate = c.showings > 0 ? roundTo(c.observedRate / c.showings, 6) : 0
    c.predictedRate = c.showings > 0 ? roundTo(c.predictedRate / c.showings, 6) : 0
  }
  return { offers, campaigns: [...campaigns.values()].sort((a, b) => b.profit - a.profit) }
}

/** Calibration (docs/decide.md): predicted against observed response rate per predicted-rate band, and Brier score and log loss per day. */
export function calibration(daily: readonly DailyRow[]): { bands: { from: number; to: number; showings: number; predicted: number; observed: number }[]; days: { day: string; showings: number; brier: number; logLoss: number }[] } {
  const bands = BANDS.slice(1).map((to, i) => ({ from: BANDS[i]!, to, showings: 0, predicted: 0, observed: 0 }))
  const days = new Map<string, { day: string; showings: number; brier: number; logLoss: number }>()
  for (const d of daily) {
    d.bands.forEach(([n, positives, predicted], i) => {
      bands[i]!.showings += n
      bands[i]!.observed += positives
      bands[i]!.predicted += predicted
    })
    const day = days.get(d.day) ?? { day: d.day, showings: 0, brier: 0, logLoss: 0 }
    day.showings += d.n
    day.brier += d.brier
    day.logLoss += d.logLoss
    days.set(d.day, day)
  }
  return {
    bands: bands.filter((b) => b.showings > 0).map((b) => ({ ...b, predicted: roundTo(b.predicted / b.showings, 6), observed: roundTo(b.observed / b.showings, 6) })),
    days: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1)).map((d) => ({ ...d, brier: roundTo(d.brier / d.showings, 6), logLoss: roundTo(d.logLoss / d.showings, 6) })),
  }
}

export interface Alert {
  offer: string
  campaign: string
  since: string
  days: number
  detail: string
}

/**
 * Offers whose observed response rate left the 95 % interval of their prediction on each of the
 * last `days` days they had at least `minShowings` finished showings: predicted ± 1.96 · √Σp(1 − p) / n.
 */
export function alerts(daily: readonly DailyRow[], opts: { days?: number; minShowings?: number } = {}): Alert[] {
  const days = opts.days ?? 3
  const min = opts.minShowings ?? 30
  // The arms together: per offer and day.
  const merged = new Map<string, DailyRow>()
  for (const d of daily) {
    const key = `${d.offerId}\u0000${d.day}`
    const m = merged.get(key)
    if (!m) merged.set(key, { ...d })
    else for (const k of ['n', 'positives', 'predicted', 'variance'] as const) m[k] += d[k]
  }
  const byOffer = new Map<string, DailyRow[]>()
  for (const d of merged.values()) if (d.n >= min) byOffer.set(d.offerId, [...(byOffer.get(d.offerId) ?? []), d])
  const out: Alert[] = []
  for (const [offer, rows] of byOffer) {
    const recent = rows.sort((a, b) => (a.day < b.day ? 1 : -1)).slice(0, days)
    if (recent.length < days) continue
    const outside = recent.map((d) => {
      const predicted = d.predicted / d.n
      const half = (1.96 * Math.sqrt(d.variance)) / d.n
      const observed = d.positives / d.n
      return { d, predicted, observed, low: predicted - half, high: predicted + half }
    })
    if (!outside.every((o) => o.observed < o.low || o.observed > o.high)) continue
    const last = outside[0]!
    out.push({
      offer,
      campaign: last.d.campaignId,
      since: outside.at(-1)!.d.day,
      days,
      detail: `observed ${pct(last.observed)} against predicted ${pct(last.predicted)} (95 % ${pct(Math.max(0, last.low))}–${pct(last.high)}) on ${last.d.day}, outside for ${days} days`,
    })
  }
  return out
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`
