import type { Kysely } from 'kysely'
import type { OrderRow } from '../core/computed.js'
import type { JourneyEventRow } from '../core/journey-event.js'
import { journeyEventPages, orderPages } from './journey-reads.js'
import type { Database } from './schema.js'

/** Marketing spend of one day on one channel and campaign. */
export interface SpendRecord {
  date: string
  channel: string
  campaign: string
  cost: number
}

/** What the models read in bulk — journey events and orders, streamed in pages — and the spend they are weighed against. */
export interface JourneyStore {
  /** Events for journeys (columns, no payload), ordered by profile and time, optionally within [from, to), in pages. */
  eventPages(opts: { from?: string; to?: string; pageRows?: number }): AsyncIterable<JourneyEventRow[]>
  /** Every order with a revenue, by the profile that holds it now, ordered by profile and time, in pages. */
  orderPages(opts?: { pageRows?: number }): AsyncIterable<OrderRow[]>
  /** Replaces the spend of the given days, channels and campaigns; all rows or none. */
  putSpend(rows: SpendRecord[]): Promise<void>
  spend(): Promise<SpendRecord[]>
}

export class SqlJourneyStore implements JourneyStore {
  constructor(private readonly db: Kysely<Database>) {}

  eventPages(opts: { from?: string; to?: string; pageRows?: number }): AsyncIterable<JourneyEventRow[]> {
    return journeyEventPages(this.db, opts)
  }

  orderPages(opts: { pageRows?: number } = {}): AsyncIterable<OrderRow[]> {
    return orderPages(this.db, opts)
  }

  async putSpend(rows: SpendRecord[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('spend')
          .values(rows.slice(i, i + 1000).map((r) => ({ day: r.date, channel: r.channel, campaign: r.campaign, cost: r.cost })))
          .onConflict((oc) => oc.columns(['day', 'channel', 'campaign']).doUpdateSet((eb) => ({ cost: eb.ref('excluded.cost') })))
          .execute()
      }
    })
  }

  async spend(): Promise<SpendRecord[]> {
    const rows = await this.db.selectFrom('spend').selectAll().orderBy('day').orderBy('channel').orderBy('campaign').execute()
    return rows.map((r) => ({ date: r.day, channel: r.channel, campaign: r.campaign, cost: Number(r.cost) }))
  }
}
