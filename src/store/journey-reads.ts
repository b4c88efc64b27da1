import { sql, type Kysely } from 'kysely'
import type { JourneyEventRow } from '../core/journey-event.js'
import type { OrderRow } from '../core/computed.js'
import type { Database } from './schema.js'
import { nextTurn } from './next-turn.js'

/** Rows per page: large enough that a page's round trip is small beside its rows, small enough to stay a few MB. */
export const READ_PAGE_ROWS = 5000

/** Where the last page ended: the (profile, time) order with message id and source as tie-breakers. */
interface EventPosition {
  profile_id: string
  ts: string
  message_id: string
  source: string
}

type Events = Database['events']
type JourneyColumns = EventPosition & Pick<Events, 'type' | 'event' | 'channel' | 'revenue' | 'utm_source' | 'utm_medium' | 'utm_campaign' | 'referrer'>
type OrderColumns = EventPosition & Pick<Events, 'revenue' | 'cost' | 'currency'>

/**
 * The events journeys are made of (page, screen and track), ordered by profile and time, in pages
 * of columns only — never the payload (issue 15). Pages follow the (profile, time) index by key
 * (the last row's profile, time, message id and source), so no page holds a cursor or a
 * connection open between pages, and a store of any size streams in bounded memory. Pages see
 * writes that land between them: a merge during the read can move a profile's events past the
 * point already read (attribution is recomputed on the next run; docs/attribution.md).
 */
export function journeyEventPages(db: Kysely<Database>, opts: { from?: string; to?: string; pageRows?: number }): AsyncGenerator<JourneyEventRow[]> {
  return keysetPages<JourneyColumns, JourneyEventRow>(opts.pageRows ?? READ_PAGE_ROWS, (after, limit) => {
    let query = db
      .selectFrom('events')
      .select(['profile_id', 'ts', 'message_id', 'source', 'type', 'event', 'channel', 'revenue', 'utm_source', 'utm_medium', 'utm_campaign', 'referrer'])
      .where('type', 'in', ['page', 'screen', 'track'])
    if (opts.from) query = query.where('ts', '>=', opts.from)
    if (opts.to) query = query.where('ts', '<', opts.to)
    if (after) query = query.where('profile_id', '>=', after.profile_id).where(isAfter(after))
    return query.orderBy('profile_id').orderBy('ts').orderBy('message_id').orderBy('source').limit(limit).execute()
  }, (r) => {
    const row: JourneyEventRow = { profileId: r.profile_id, timestamp: r.ts, type: r.type, event: r.event, channel: r.channel, revenue: r.revenue === null ? null : Number(r.revenue) }
    if (r.utm_source !== null) row.utmSource = r.utm_source
    if (r.utm_medium !== null) row.utmMedium = r.utm_medium
    if (r.utm_campaign !== null) row.utmCampaign = r.utm_campaign
    if (r.referrer !== null) row.referrer = r.referrer
    return row
  })
}

/**
 * Every order with a revenue, by the profile that holds it now, ordered by profile and time, in
 * pages read from the orders' own index (migration 0010), which holds every column read here.
 */
export function orderPages(db: Kysely<Database>, opts: { pageRows?: number } = {}): AsyncGenerator<OrderRow[]> {
  return keysetPages<OrderColumns, OrderRow>(opts.pageRows ?? READ_PAGE_ROWS, (after, limit) => {
    let query = db
      .selectFrom('events')
      .select(['profile_id', 'ts', 'message_id', 'source', 'revenue', 'cost', 'currency'])
      .where('event', '=', 'Order Completed')
      .where('revenue', 'is not', null)
    if (after) query = query.where('profile_id', '>=', after.profile_id).where(isAfter(after))
    return query.orderBy('profile_id').orderBy('ts').orderBy('message_id').orderBy('source').limit(limit).execute()
  }, (r) => ({ profileId: r.profile_id, timestamp: r.ts, revenue: Number(r.revenue), cost: r.cost === null ? null : Number(r.cost), currency: r.currency }))
}

/** `profile_id >= …` gives both databases the index range; this row comparison makes it exact. */
function isAfter(a: EventPosition) {
  return sql<boolean>`(profile_id, ts, message_id, source) > (${a.profile_id}, ${a.ts}, ${a.message_id}, ${a.source})`
}

async function* keysetPages<R extends EventPosition, T>(limit: number, page: (after: R | undefined, limit: number) => Promise<R[]>, map: (row: R) => T): AsyncGenerator<T[]> {
  let after: R | undefined
  for (;;) {
    await nextTurn()
    const rows = await page(after, limit)
    if (rows.length > 0) yield rows.map(map)
    if (rows.length < limit) return
    after = rows.at(-1)!
  }
}
