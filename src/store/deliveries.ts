import type { Kysely } from 'kysely'
import type { DeliveryStatus } from './decision-writes.js'
import type { Database } from './schema.js'

export type { DeliveryRow, DeliveryStatus } from './decision-writes.js'

export interface Delivery {
  decisionId: string
  destination: string
  channel: string
  status: DeliveryStatus
  attempts: number
  lastError: string | null
  createdAt: string
  updatedAt: string
}

/**
 * The outbox of outbound runs (migration 0015): what is still to be delivered, and the dead
 * letters. Its rows are written by the single writer (`WriteTx`, decision-writes.ts) — the pending
 * row in the transaction of its decision.
 */
export interface DeliveryStore {
  /** Deliveries of a destination to send: pending ones and those left `sending` before `staleBefore`, oldest first. */
  due(destination: string, staleBefore: string, limit: number): Promise<Delivery[]>
  /** The dead letters: deliveries whose retries were used up, newest first. */
  failures(limit: number): Promise<Delivery[]>
  of(decisionId: string): Promise<Delivery | null>
  /** Deliveries per destination and status. */
  counts(): Promise<{ destination: string; status: DeliveryStatus; n: number }[]>
}

export class SqlDeliveryStore implements DeliveryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async due(destination: string, staleBefore: string, limit: number): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('destination', '=', destination)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('updated_at', '<', staleBefore)])]))
      .orderBy('created_at')
      .orderBy('decision_id')
      .limit(limit)
      .execute()
    return rows.map(toDelivery)
  }

  async failures(limit: number): Promise<Delivery[]> {
    const rows = await this.db.selectFrom('deliveries').selectAll().where('status', '=', 'failed').orderBy('updated_at', 'desc').orderBy('decision_id').limit(limit).execute()
    return rows.map(toDelivery)
  }

  async of(decisionId: string): Promise<Delivery | null> {
    const row = await this.db.selectFrom('deliveries').selectAll().where('decision_id', '=', decisionId).executeTakeFirst()
    return row ? toDelivery(row) : null
  }

  async counts(): Promise<{ destination: string; status: DeliveryStatus; n: number }[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['destination', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(['destination', 'status'])
      .orderBy('destination')
      .orderBy('status')
      .execute()
    return rows.map((r) => ({ destination: r.destination, status: r.status as DeliveryStatus, n: Number(r.n) }))
  }
}

function toDelivery(r: Database['deliveries']): Delivery {
  return {
    decisionId: r.decision_id,
    destination: r.destination,
    channel: r.channel,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}
