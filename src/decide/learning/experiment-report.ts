import type { Store } from '../../store/store.js'
import type { Catalog } from '../catalog.js'
import { difference } from './experiments.js'
import type { ReportPeriod } from './report.js'
import { roundTo } from '../../core/values.js'

export interface ArmReport {
  arm: string
  share: number | null
  strategy: unknown
  showings: number
  responses: number
  observedRate: number
  predictedRate: number
}

export interface HoldoutReport {
  campaign: string
  holdout: number
  goal: string
  treated: { customers: number; converted: number; conversionRate: number; revenuePerCustomer: number }
  held: { customers: number; converted: number; conversionRate: number; revenuePerCustomer: number }
  /** Treated minus held out, with the 95 % interval of the difference (normal approximation, unequal variances). */
  uplift: { conversionRate: ReturnType<typeof difference>; revenuePerCustomer: ReturnType<typeof difference> }
}

/**
 * The experiments (docs/decide.md, "Experiments"): per arm of the champion/challenger split, the
 * finished showings of the period's decisions and their response rate; per campaign with a holdout,
 * the customers found eligible in each group and what they did since — whether the campaign's goal
 * event happened (converted) and its revenue — with the uplift of treated over held out.
 */
export async function experimentsReport(store: Store, catalog: Catalog | null, period: ReportPeriod): Promise<{ from: string; to: string; arms: ArmReport[]; holdouts: HoldoutReport[] }> {
  const arms = new Map<string, ArmReport>()
  for (const a of catalog?.spec.experiment.arms ?? []) arms.set(a.id, { arm: a.id, share: a.share, strategy: a.strategy, showings: 0, responses: 0, observedRate: 0, predictedRate: 0 })
  for (const d of await store.decisions.learningDaily(period.from, period.to)) {
    const a = arms.get(d.arm) ?? { arm: d.arm, share: null, strategy: null, showings: 0, responses: 0, observedRate: 0, predictedRate: 0 }
    a.showings += d.n
    a.responses += d.positives
    a.predictedRate += d.predicted
    arms.set(d.arm, a)
  }
  for (const a of arms.values()) {
    a.observedRate = a.showings > 0 ? roundTo(a.responses / a.showings, 6) : 0
    a.predictedRate = a.showings > 0 ? roundTo(a.predictedRate / a.showings, 6) : 0
  }
  const holdouts: HoldoutReport[] = []
  for (const c of catalog?.campaigns ?? []) {
    if (c.holdout <= 0) continue
    const members = await store.decisions.experimentMembers(c.id, c.goal.event)
    const of = (group: string) => members.filter((m) => m.group === group)
    const [treated, held] = [of('treated'), of('holdout')]
    const summary = (ms: typeof members) => ({
      customers: ms.length,
      converted: ms.filter((m) => m.conversions > 0).length,
      conversionRate: ms.length > 0 ? roundTo(ms.filter((m) => m.conversions > 0).length / ms.length, 6) : 0,
      revenuePerCustomer: ms.length > 0 ? roundTo(ms.reduce((s, m) => s + m.revenue, 0) / ms.length, 6) : 0,
    })
    const converted = (ms: typeof members) => ms.map((m) => (m.conversions > 0 ? 1 : 0))
    holdouts.push({
      campaign: c.id,
      holdout: c.holdout,
      goal: c.goal.event,
      treated: summary(treated),
      held: summary(held),
      uplift: { conversionRate: difference(converted(treated), converted(held)), revenuePerCustomer: difference(treated.map((m) => m.revenue), held.map((m) => m.revenue)) },
    })
  }
  return { ...period, arms: [...arms.values()], holdouts }
}

