import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { DecisionRow, OutcomeRow } from './decision-writes.js'
import type { DailyRow, LearnerRow } from './learning-writes.js'

export type { DecisionRow, OutcomeRow } from './decision-writes.js'

export interface CatalogVersion {
  version: number
  appliedAt: string
  appliedBy: string
  spec: unknown
}

export interface StoredDecision extends DecisionRow {
  outcomes: OutcomeRow[]
}

/**
 * Decisioning's part of the store (issue 11): catalog versions, decisions with their outcomes, and
 * campaign usage. Decisions, outcomes and usage are written through the single writer
 * (`WriteTx`, decision-writes.ts); catalog versions here.
 */
export interface DecisionStore {
  /** Stores a catalog as the next version and returns its number. */
  putCatalog(spec: unknown, appliedBy: string, at: string): Promise<number>
  latestCatalog(): Promise<CatalogVersion | null>
  decision(id: string): Promise<StoredDecision | null>
  /** A profile's decisions since a time, newest first, with their outcomes. */
  decisionsOf(profileId: string, opts: { since?: string; limit: number }): Promise<StoredDecision[]>
  /**
   * A profile's contact history since a time, newest first: each decision's offers, channel and
   * continuation with its outcomes, without the explanation (the engine's caps and cool-downs need
   * no more, and an explanation is the largest part of a decision).
   */
  historyOf(profileId: string, opts: { since: string; limit: number }): Promise<Omit<StoredDecision, 'explanation'>[]>
  /** The profiles with a decision since a time (those whose goal events may convert one). */
  profilesDecidedSince(since: string): Promise<string[]>
  /** Contacts per campaign, in total and on one day, and the money spent (offers' costs). */
  campaignUsage(day: string): Promise<Map<string, { total: number; today: number; spent: number }>>
  /** Stores profiles' next best offers (decide all), replacing each profile's previous ones. */
  putNextBestOffers(rows: { profileId: string; computedAt: string; catalogVersion: number; data: unknown }[]): Promise<void>
  nextBestOffersOf(profileId: string): Promise<{ computedAt: string; catalogVersion: number; data: unknown } | null>
  /** The stored learned state's rows (decide/learning/loop.ts), and its version alone for a cheap poll. */
  learnerRows(): Promise<LearnerRow[]>
  learnerVersion(): Promise<number>
  /** The folded showings' daily sums for decisions made on days in [from, to] (YYYY-MM-DD). */
  learningDaily(from: string, to: string): Promise<DailyRow[]>
  /**
   * The policy's own log for off-policy evaluation: finished showings of decisions made since a time
   * that recorded their policy, oldest first — the decision's policy record and ranked offers (its
   * explanation), the offer shown and its label.
   */
  policyLog(since: string, limit: number): Promise<{ decisionId: string; at: string; learning: unknown; explanation: unknown; offerId: string; label: 0 | 1 }[]>
  /** A campaign's reached customers with their predictions at the reach, and their orders since (time and revenue). */
  reachedCustomers(campaignId: string): Promise<{ profileId: string; firstAt: string; e30: number | null; e90: number | null; e365: number | null; spend: number | null; orders: { ts: string; revenue: number }[] }[]>
  /** A campaign's experiment members, each with how often the goal event happened for them since they were first eligible, and its revenue. */
  experimentMembers(campaignId: string, goalEvent: string): Promise<{ group: string; profileId: string; conversions: number; revenue: number }[]>
  /** Outcomes per day of their decision, offer and kind for decisions made on days in [from, to], with the sum of their values. */
  outcomeCounts(from: string, to: string): Promise<{ day: string; offerId: string; outcome: string; n: number; value: number }[]>
}

export class SqlDecisionStore implements DecisionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async putCatalog(spec: unknown, appliedBy: string, at: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const last = await trx.selectFrom('catalog_versions').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst()
      const version = Number(last?.v ?? 0) + 1
      await trx.insertInto('catalog_versions').values({ version, applied_at: at, applied_by: appliedBy, spec: JSON.stringify(spec) }).execute()
      return version
    })
  }

  async latestCatalog(): Promise<CatalogVersion | null> {
    const row = await this.db.selectFrom('catalog_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst()
    return row ? { version: Number(row.version), appliedAt: row.applied_at, appliedBy: row.applied_by, spec: JSON.parse(row.spec) as unknown } : null
  }

  async decision(id: string): Promise<StoredDecision | null> {
    const row = await this.db.selectFrom('decisions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return null
    return (await this.withOutcomes([row]))[0]!
  }

  async decisionsOf(profileId: string, opts: { since?: string; limit: number }): Promise<StoredDecision[]> {
    const rows = await this.db
      .selectFrom('decisions')
      .selectAll()
      .where('profile_id', '=', profileId)
      .$if(opts.since !== undefined, (q) => q.where('at', '>=', opts.since!))
      .orderBy('at', 'desc')
      .limit(opts.limit)
      .execute()
    return this.withOutcomes(rows)
  }

  async historyOf(profileId: string, opts: { since: string; limit: number }): Promise<Omit<StoredDecision, 'explanation'>[]> {
    const rows = await this.db
      .selectFrom('decisions')
      .select(['id', 'profile_id', 'at', 'channel', 'placement', 'catalog_version', 'continues', 'offers'])
      .where('profile_id', '=', profileId)
      .where('at', '>=', opts.since)
      .orderBy('at', 'desc')
      .limit(opts.limit)
      .execute()
    return this.withOutcomes(rows.map((r) => ({ ...r, explanation: null })))
  }

  async profilesDecidedSince(since: string): Promise<string[]> {
    const rows = await this.db.selectFrom('decisions').select('profile_id').distinct().where('at', '>=', since).where('profile_id', 'is not', null).execute()
    return rows.map((r) => r.profile_id!)
  }

  async campaignUsage(day: string): Promise<Map<string, { total: number; today: number; spent: number }>> {
    const rows = await this.db.selectFrom('campaign_usage').selectAll().where('day', 'in', ['total', 'budget', day]).execute()
    const out = new Map<string, { total: number; today: number; spent: number }>()
    for (const r of rows) {
      const u = out.get(r.campaign_id) ?? { total: 0, today: 0, spent: 0 }
      if (r.day === 'total') u.total = Number(r.n)
      else if (r.day === 'budget') u.spent = Number(r.n) / 100
      else u.today = Number(r.n)
      out.set(r.campaign_id, u)
    }
    return out
  }

  async putNextBestOffers(rows: { profileId: string; computedAt: string; catalogVersion: number; data: unknown }[]): Promise<void> {
    if (rows.length === 0) return
    await this.db
      .insertInto('next_best_offers')
      .values(rows.map((r) => ({ profile_id: r.profileId, computed_at: r.computedAt, catalog_version: r.catalogVersion, data: JSON.stringify(r.data) })))
      .onConflict((oc) => oc.column('profile_id').doUpdateSet((eb) => ({ computed_at: eb.ref('excluded.computed_at'), catalog_version: eb.ref('excluded.catalog_version'), data: eb.ref('excluded.data') })))
      .execute()
  }

  async nextBestOffersOf(profileId: string): Promise<{ computedAt: string; catalogVersion: number; data: unknown } | null> {
    const row = await this.db.selectFrom('next_best_offers').selectAll().where('profile_id', '=', profileId).executeTakeFirst()
    return row ? { computedAt: row.computed_at, catalogVersion: Number(row.catalog_version), data: JSON.parse(row.data) as unknown } : null
  }

  async learnerRows(): Promise<LearnerRow[]> {
    const rows = await this.db.selectFrom('learning_state').select(['key', 'version', 'data']).execute()
    return rows.map((r) => ({ key: r.key, version: Number(r.version), data: r.data }))
  }

  async learningDaily(from: string, to: string): Promise<DailyRow[]> {
    const rows = await this.db.selectFrom('learning_daily').selectAll().where('day', '>=', from).where('day', '<=', to).orderBy('day').orderBy('offer_id').execute()
    return rows.map((r) => ({
      day: r.day,
      offerId: r.offer_id,
      arm: r.arm,
      campaignId: r.campaign_id,
      n: Number(r.n),
      positives: Number(r.positives),
      predicted: Number(r.predicted),
      variance: Number(r.variance),
      brier: Number(r.brier),
      logLoss: Number(r.log_loss),
      bands: JSON.parse(r.bands) as DailyRow['bands'],
    }))
  }

  async policyLog(since: string, limit: number): Promise<{ decisionId: string; at: string; learning: unknown; explanation: unknown; offerId: string; label: 0 | 1 }[]> {
    const rows = await this.db
      .selectFrom('learning_examples as e')
      .innerJoin('decisions as d', 'd.id', 'e.decision_id')
      .select(['d.id', 'd.at', 'd.learning', 'd.explanation', 'e.offer_id', 'e.label'])
      .where('d.at', '>=', since)
      .where('d.learning', 'is not', null)
      .orderBy('d.at')
      .orderBy('d.id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ decisionId: r.id, at: r.at, learning: JSON.parse(r.learning!) as unknown, explanation: JSON.parse(r.explanation) as unknown, offerId: r.offer_id, label: Number(r.label) === 1 ? 1 : 0 }))
  }

  async reachedCustomers(campaignId: string): Promise<{ profileId: string; firstAt: string; e30: number | null; e90: number | null; e365: number | null; spend: number | null; orders: { ts: string; revenue: number }[] }[]> {
    const rows = await this.db
      .selectFrom('campaign_reach as r')
      .leftJoin('events as e', (j) => j.onRef('e.profile_id', '=', 'r.profile_id').on('e.event', '=', 'Order Completed').onRef('e.ts', '>=', 'r.first_at'))
      .select(['r.profile_id', 'r.first_at', 'r.e30', 'r.e90', 'r.e365', 'r.spend', 'e.ts', 'e.revenue'])
      .where('r.campaign_id', '=', campaignId)
      .orderBy('r.profile_id')
      .execute()
    const out = new Map<string, { profileId: string; firstAt: string; e30: number | null; e90: number | null; e365: number | null; spend: number | null; orders: { ts: string; revenue: number }[] }>()
    const num = (x: unknown) => (x === null || x === undefined ? null : Number(x))
    for (const r of rows) {
      let c = out.get(r.profile_id)
      if (!c) out.set(r.profile_id, (c = { profileId: r.profile_id, firstAt: r.first_at, e30: num(r.e30), e90: num(r.e90), e365: num(r.e365), spend: num(r.spend), orders: [] }))
      if (r.ts !== null) c.orders.push({ ts: r.ts, revenue: Number(r.revenue ?? 0) })
    }
    return [...out.values()]
  }

  async experimentMembers(campaignId: string, goalEvent: string): Promise<{ group: string; profileId: string; conversions: number; revenue: number }[]> {
    const rows = await this.db
      .selectFrom('experiment_members as m')
      .leftJoin('events as e', (j) => j.onRef('e.profile_id', '=', 'm.profile_id').on('e.event', '=', goalEvent).onRef('e.ts', '>=', 'm.first_at'))
      .select(['m.grp', 'm.profile_id', (eb) => eb.fn.count<number | string>('e.message_id').as('n'), (eb) => eb.fn.sum<number | string | null>('e.revenue').as('revenue')])
      .where('m.campaign_id', '=', campaignId)
      .groupBy(['m.grp', 'm.profile_id'])
      .execute()
    return rows.map((r) => ({ group: r.grp, profileId: r.profile_id, conversions: Number(r.n), revenue: Number(r.revenue ?? 0) }))
  }

  async outcomeCounts(from: string, to: string): Promise<{ day: string; offerId: string; outcome: string; n: number; value: number }[]> {
    const day = sql<string>`substr(d.at, 1, 10)`
    const rows = await this.db
      .selectFrom('decision_outcomes as o')
      .innerJoin('decisions as d', 'd.id', 'o.decision_id')
      .select([day.as('day'), 'o.offer_id', 'o.outcome', (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.sum<number | string | null>('o.value').as('value')])
      .where('d.at', '>=', from)
      .where('d.at', '<', `${to}T99`)
      .groupBy([day, 'o.offer_id', 'o.outcome'])
      .execute()
    return rows.map((r) => ({ day: String(r.day), offerId: r.offer_id, outcome: r.outcome, n: Number(r.n), value: Number(r.value ?? 0) }))
  }

  async learnerVersion(): Promise<number> {
    const row = await this.db.selectFrom('learning_state').select('version').where('key', '=', 'meta').executeTakeFirst()
    return row ? Number(row.version) : 0
  }

  private async withOutcomes(rows: (Omit<Database['decisions'], 'explanation' | 'learning'> & { explanation: string | null; learning?: string | null })[]): Promise<StoredDecision[]> {
    if (rows.length === 0) return []
    const byDecision = new Map<string, Database['decision_outcomes'][]>()
    for (const o of await this.db.selectFrom('decision_outcomes').selectAll().where('decision_id', 'in', rows.map((r) => r.id)).orderBy('at').execute()) {
      const list = byDecision.get(o.decision_id)
      if (list) list.push(o)
      else byDecision.set(o.decision_id, [o])
    }
    return rows.map((r) => ({
      id: r.id,
      profileId: r.profile_id,
      at: r.at,
      channel: r.channel,
      placement: r.placement,
      catalogVersion: Number(r.catalog_version),
      continues: r.continues,
      offers: JSON.parse(r.offers) as unknown,
      explanation: r.explanation === null ? null : (JSON.parse(r.explanation) as unknown),
      learning: r.learning === undefined || r.learning === null ? null : (JSON.parse(r.learning) as unknown),
      outcomes: (byDecision.get(r.id) ?? []).map((o) => ({ decisionId: o.decision_id, offerId: o.offer_id, outcome: o.outcome, at: o.at, value: o.value === null ? null : Number(o.value), source: o.source })),
    }))
  }
}
