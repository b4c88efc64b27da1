/** A decision as stored: its offers and explanation as JSON. */
export interface DecisionRow {
  id: string
  profileId: string | null
  at: string
  channel: string
  placement: string
  catalogVersion: number
  continues: string | null
  offers: unknown
  explanation: unknown
  /** What the decision's policy saw and did (decide/engine.ts PolicyRecord), for learning and off-policy evaluation. */
  learning?: unknown
}

export interface OutcomeRow {
  decisionId: string
  offerId: string
  outcome: string
  at: string
  value: number | null
  /** Who reported it: `api:<key name>`, an event's source, or `expiry` for an ignored offer. */
  source: string
}

/** A decision to deliver to an outbound destination (the outbox); its decision id is the idempotency key. */
export interface DeliveryRow {
  decisionId: string
  destination: string
  channel: string
  at: string
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'suppressed'

/** The decisioning writes of the single writer (decide/) and the log processor's position, the same SQL in both dialects. */
export interface DecisionWrites {
  insertDecisions(rows: DecisionRow[]): Promise<void>
  /** Stores each outcome unless the same (decision, offer, outcome) is stored: the ones new. */
  insertOutcomes(rows: OutcomeRow[]): Promise<OutcomeRow[]>
  /**
   * Takes one contact of a campaign's volume if its caps allow it, in this transaction: the total
   * and today's count are raised only while below their caps. A row lock (PostgreSQL) or the one
   * writer (SQLite) makes concurrent reservations queue, so no cap is ever exceeded.
   */
  reserveCampaign(campaignId: string, day: string, caps: { total?: number | undefined; perDay?: number | undefined; budget?: number | undefined }, cost?: number): Promise<boolean>
  /** Gives a reservation back (the decision that took it was not made), with its cost. */
  releaseCampaign(campaignId: string, day: string, cost?: number): Promise<void>
  /** Puts decisions into the outbox as `pending`. */
  insertDeliveries(rows: DeliveryRow[]): Promise<void>
  /**
   * Takes a delivery for sending: only a pending one, or one left `sending` before `staleBefore` (its
   * sender died); false when another sender has it. So no two senders, on any node, send it at once.
   */
  claimDelivery(decisionId: string, at: string, staleBefore: string): Promise<boolean>
  /** Ends or records an attempt of a claimed delivery: its new status, attempts so far and last error. */
  settleDelivery(decisionId: string, status: DeliveryStatus, attempts: number, lastError: string | null, at: string): Promise<void>
  /** Puts a failed delivery back into the outbox (a retry of a dead letter); false when it is not failed. */
  requeueDelivery(decisionId: string, at: string): Promise<boolean>
  /** Records how far a log processor has applied the event log, in the transaction of what it applied (collect/processor.ts). */
  setLogPosition(name: string, position: number): Promise<void>
}

/** Runs one statement (`?` placeholders, bound in the order of `params`) and says how many rows it changed. */
export type Exec = (sql: string, params: unknown[]) => Promise<number>

const TOTAL = 'total'
/** The row that holds a campaign's spend, in cents. */
const BUDGET = 'budget'
const cents = (money: number) => Math.round(money * 100)
// Below PostgreSQL's integer range, which the column and the parameter have.
const NO_CAP = 2 ** 31 - 1

/** {@link DecisionWrites} over a dialect's statement runner. */
export function decisionWrites(exec: Exec): DecisionWrites {
  const take = async (campaignId: string, day: string, cap: number) => {
    await exec('INSERT INTO campaign_usage (campaign_id, day, n) VALUES (?, ?, 0) ON CONFLICT DO NOTHING', [campaignId, day])
    return (await exec('UPDATE campaign_usage SET n = n + 1 WHERE campaign_id = ? AND day = ? AND n < ?', [campaignId, day, cap])) === 1
  }
  const giveBack = (campaignId: string, day: string) => exec('UPDATE campaign_usage SET n = n - 1 WHERE campaign_id = ? AND day = ? AND n > 0', [campaignId, day])
  // Spend is kept whether or not the campaign has a budget, so a budget set later counts what was spent.
  const spend = async (campaignId: string, amount: number, budget: number | undefined) => {
    await exec('INSERT INTO campaign_usage (campaign_id, day, n) VALUES (?, ?, 0) ON CONFLICT DO NOTHING', [campaignId, BUDGET])
    const sql = budget === undefined ? 'UPDATE campaign_usage SET n = n + ? WHERE campaign_id = ? AND day = ?' : 'UPDATE campaign_usage SET n = n + ? WHERE campaign_id = ? AND day = ? AND n + ? <= ?'
    return (await exec(sql, budget === undefined ? [amount, campaignId, BUDGET] : [amount, campaignId, BUDGET, amount, cents(budget)])) === 1
  }
  return {
    async insertDecisions(rows) {
      for (const r of rows) {
        await exec(
          'INSERT INTO decisions (id, profile_id, at, channel, placement, catalog_version, continues, offers, explanation, learning) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [r.id, r.profileId, r.at, r.channel, r.placement, r.catalogVersion, r.continues, JSON.stringify(r.offers), JSON.stringify(r.explanation), r.learning === undefined || r.learning === null ? null : JSON.stringify(r.learning)],
        )
      }
    },
    async insertOutcomes(rows) {
      const stored: OutcomeRow[] = []
      for (const r of rows) {
        const n = await exec('INSERT INTO decision_outcomes (decision_id, offer_id, outcome, at, value, source) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          r.decisionId,
          r.offerId,
          r.outcome,
          r.at,
          r.value,
          r.source,
        ])
        if (n === 1) stored.push(r)
      }
      return stored
    },
    async reserveCampaign(campaignId, day, caps, cost = 0) {
      if (!(await take(campaignId, TOTAL, caps.total ?? NO_CAP))) return false
      if (!(await take(campaignId, day, caps.perDay ?? NO_CAP))) {
        await giveBack(campaignId, TOTAL)
        return false
      }
      if (await spend(campaignId, cents(cost), caps.budget)) return true
      await giveBack(campaignId, TOTAL)
      await giveBack(campaignId, day)
      return false
    },
    async releaseCampaign(campaignId, day, cost = 0) {
      await giveBack(campaignId, TOTAL)
      await giveBack(campaignId, day)
      if (cost > 0) await exec('UPDATE campaign_usage SET n = n - ? WHERE campaign_id = ? AND day = ?', [cents(cost), campaignId, BUDGET])
    },
    async insertDeliveries(rows) {
      for (const r of rows) {
        await exec("INSERT INTO deliveries (decision_id, destination, channel, status, attempts, last_error, created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, NULL, ?, ?)", [
          r.decisionId,
          r.destination,
          r.channel,
          r.at,
          r.at,
        ])
      }
    },
    async claimDelivery(decisionId, at, staleBefore) {
      const sql = "UPDATE deliveries SET status = 'sending', updated_at = ? WHERE decision_id = ? AND (status = 'pending' OR (status = 'sending' AND updated_at < ?))"
      return (await exec(sql, [at, decisionId, staleBefore])) === 1
    },
    async settleDelivery(decisionId, status, attempts, lastError, at) {
      await exec('UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, updated_at = ? WHERE decision_id = ?', [status, attempts, lastError, at, decisionId])
    },
    async setLogPosition(name, position) {
      await exec('INSERT INTO log_positions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position', [name, position])
    },
    async requeueDelivery(decisionId, at) {
      return (await exec("UPDATE deliveries SET status = 'pending', attempts = 0, updated_at = ? WHERE decision_id = ? AND status = 'failed'", [at, decisionId])) === 1
    },
  }
}
