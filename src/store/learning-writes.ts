import type { Exec } from './decision-writes.js'

/** One finished showing of an offer to learn from: 1 for accept or converted, 0 for reject or an expired response window. */
export interface ExampleRow {
  decisionId: string
  offerId: string
  label: 0 | 1
  at: string
}

/** A stored part of the learned state: `meta` or `offer:<id>`, its version and JSON. */
export interface LearnerRow {
  key: string
  version: number
  data: string
}

/** An example not yet folded into the models, with what its decision's policy recorded, when, and its offers (null when the decision is gone). */
export interface UnfoldedExample extends ExampleRow {
  learning: string | null
  decidedAt: string | null
  offers: string | null
}

/** One day's folded showings of one offer (migration 0019): sums that add up across folds. */
export interface DailyRow {
  day: string
  offerId: string
  arm: string
  campaignId: string
  n: number
  positives: number
  predicted: number
  variance: number
  brier: number
  logLoss: number
  /** Per predicted-rate band (monitor.ts BANDS): [showings, responses, sum of predicted rates]. */
  bands: [number, number, number][]
}

/** A policy decision made in a period: its offers (JSON) and the offers of it that were never delivered. */
export interface ShowingRow {
  id: string
  at: string
  offers: string
  notDelivered: string[]
}

/** A campaign's first reach of a known customer, with the value models' predictions at that moment (null before scoring). */
export interface ReachRow {
  campaignId: string
  profileId: string
  at: string
  e30: number | null
  e90: number | null
  e365: number | null
  spend: number | null
}

/** Runs one statement and returns its rows. */
export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>

/** The learning loop's part of the single writer (decide/learning/loop.ts), the same SQL in both dialects but the row lock. */
export interface LearningWrites {
  /** Stores each example unless its showing has one: how many were new. */
  insertExamples(rows: ExampleRow[]): Promise<number>
  /** Locks the learned state for this transaction (PostgreSQL: a row lock, so one node folds at a time; SQLite: the one writer) and returns its `meta` row. */
  lockLearner(at: string): Promise<LearnerRow>
  learnerRows(): Promise<LearnerRow[]>
  putLearnerRows(rows: LearnerRow[], at: string): Promise<void>
  /** Decisions of the policy (not continuations) made in [from, to) that recorded what their policy saw. */
  showingsBetween(from: string, to: string): Promise<ShowingRow[]>
  /** The oldest examples not yet folded, with their decisions' policy records. */
  unfoldedExamples(limit: number): Promise<UnfoldedExample[]>
  markFolded(rows: { decisionId: string; offerId: string }[]): Promise<void>
  /** Adds folded showings to their days' sums (read, add, write: the fold holds the lock). */
  addDaily(rows: DailyRow[]): Promise<void>
  /** Records a campaign's first reach of a customer with the value models' predictions then. */
  insertReach(rows: ReachRow[]): Promise<void>
  /** Records customers' experiment groups, the first time each is eligible for a campaign. */
  insertMembers(rows: { campaignId: string; profileId: string; group: 'holdout' | 'treated'; at: string }[]): Promise<void>
}

const CHUNK = 500

/** {@link LearningWrites} over a dialect's statement runners. */
export function learningWrites(exec: Exec, query: Query, dialect: 'sqlite' | 'postgres'): LearningWrites {
  return {
    async insertExamples(rows) {
      let n = 0
      for (const r of rows) {
        n += await exec('INSERT INTO learning_examples (decision_id, offer_id, label, at, folded) VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING', [r.decisionId, r.offerId, r.label, r.at])
      }
      return n
    },
    async lockLearner(at) {
      await exec("INSERT INTO learning_state (key, version, data, updated_at) VALUES ('meta', 0, '{}', ?) ON CONFLICT DO NOTHING", [at])
      const [row] = await query(`SELECT key, version, data FROM learning_state WHERE key = 'meta'${dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [])
      return learnerRow(row!)
    },
    async learnerRows() {
      return (await query('SELECT key, version, data FROM learning_state', [])).map(learnerRow)
    },
    async putLearnerRows(rows, at) {
      for (const r of rows) {
        await exec(
          'INSERT INTO learning_state (key, version, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = excluded.updated_at',
          [r.key, r.version, r.data, at],
        )
      }
    },
    async showingsBetween(from, to) {
      const decisions = await query('SELECT id, at, offers FROM decisions WHERE at >= ? AND at < ? AND continues IS NULL AND learning IS NOT NULL', [from, to])
      if (decisions.length === 0) return []
      const stopped = await query(
        "SELECT decision_id, offer_id FROM decision_outcomes WHERE outcome = 'not_delivered' AND decision_id IN (SELECT id FROM decisions WHERE at >= ? AND at < ?)",
        [from, to],
      )
      const notDelivered = new Map<string, string[]>()
      for (const s of stopped) notDelivered.set(String(s.decision_id), [...(notDelivered.get(String(s.decision_id)) ?? []), String(s.offer_id)])
      return decisions.map((d) => ({ id: String(d.id), at: String(d.at), offers: String(d.offers), notDelivered: notDelivered.get(String(d.id)) ?? [] }))
    },
    async unfoldedExamples(limit) {
      const rows = await query(
        'SELECT e.decision_id, e.offer_id, e.label, e.at, d.learning, d.at AS decided_at, d.offers FROM learning_examples e LEFT JOIN decisions d ON d.id = e.decision_id WHERE e.folded = 0 ORDER BY e.at, e.decision_id, e.offer_id LIMIT ?',
        [limit],
      )
      const text = (v: unknown) => (v === null || v === undefined ? null : String(v))
      return rows.map((r) => ({ decisionId: String(r.decision_id), offerId: String(r.offer_id), label: Number(r.label) === 1 ? 1 : 0, at: String(r.at), learning: text(r.learning), decidedAt: text(r.decided_at), offers: text(r.offers) }))
    },
    async markFolded(rows) {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK)
        const values = chunk.map(() => '(?, ?)').join(', ')
        await exec(`UPDATE learning_examples SET folded = 1 WHERE (decision_id, offer_id) IN (VALUES ${values})`, chunk.flatMap((r) => [r.decisionId, r.offerId]))
      }
    },
    async insertReach(rows) {
      for (const r of rows) {
        await exec('INSERT INTO campaign_reach (campaign_id, profile_id, first_at, e30, e90, e365, spend) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [r.campaignId, r.profileId, r.at, r.e30, r.e90, r.e365, r.spend])
      }
    },
    async insertMembers(rows) {
      for (const r of rows) await exec('INSERT INTO experiment_members (campaign_id, profile_id, grp, first_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [r.campaignId, r.profileId, r.group, r.at])
    },
    async addDaily(rows) {
      for (const r of rows) {
        const [old] = await query('SELECT n, positives, predicted, variance, brier, log_loss, bands FROM learning_daily WHERE day = ? AND offer_id = ? AND arm = ?', [r.day, r.offerId, r.arm])
        const sum = old ? addDaily(r, old) : r
        await exec(
          'INSERT INTO learning_daily (day, offer_id, arm, campaign_id, n, positives, predicted, variance, brier, log_loss, bands) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, offer_id, arm) DO UPDATE SET n = excluded.n, positives = excluded.positives, predicted = excluded.predicted, variance = excluded.variance, brier = excluded.brier, log_loss = excluded.log_loss, bands = excluded.bands',
          [r.day, r.offerId, r.arm, r.campaignId, sum.n, sum.positives, sum.predicted, sum.variance, sum.brier, sum.logLoss, JSON.stringify(sum.bands)],
        )
      }
    },
  }
}

function addDaily(r: DailyRow, old: Record<string, unknown>): DailyRow {
  const bands = JSON.parse(String(old.bands)) as [number, number, number][]
  return {
    ...r,
    n: r.n + Number(old.n),
    positives: r.positives + Number(old.positives),
    predicted: r.predicted + Number(old.predicted),
    variance: r.variance + Number(old.variance),
    brier: r.brier + Number(old.brier),
    logLoss: r.logLoss + Number(old.log_loss),
    bands: r.bands.map((b, i) => [b[0] + (bands[i]?.[0] ?? 0), b[1] + (bands[i]?.[1] ?? 0), b[2] + (bands[i]?.[2] ?? 0)]),
  }
}

const learnerRow = (r: Record<string, unknown>): LearnerRow => ({ key: String(r.key), version: Number(r.version), data: String(r.data) })
