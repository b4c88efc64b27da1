import { sql, type Kysely } from 'kysely'
import type { CollectedEvent } from '../core/event.js'
import { fromJsonText } from '../core/json-shape.js'
import { mentionPatterns } from './erasure-plan.js'
import { decodeCursor, encodeCursor, idCursor, type Page } from './page.js'
import { eventCounts, storeCounts, type EventCount } from './running-counts.js'
import type { Database } from './schema.js'
import type { Behaviour } from '../core/behaviour.js'
import { EVENT_KEY_SQL, eventKey, type EventKey } from './event-key.js'
import { DAY_MS } from '../core/time.js'

export type { EventCount } from './running-counts.js'
export { EVENT_KEY_SQL, eventKey, type EventKey } from './event-key.js'

/** 'rejected': the message was not stored; 'warning': it was stored, with a data-quality problem. */
export type QuarantineSeverity = 'rejected' | 'warning'

export interface QuarantineEntry {
  id: number
  source: string
  receivedAt: string
  messageId: string | null
  reason: string
  severity: QuarantineSeverity
  raw: unknown
}

export interface NewQuarantineEntry {
  source: string
  receivedAt: string
  messageId: string | null
  reason: string
  /** Default 'rejected'. */
  severity?: QuarantineSeverity
  raw: unknown
}

export interface TimelineEvent {
  messageId: string
  type: string
  event: string | null
  timestamp: string
  source: string
  channel: string
  payload: CollectedEvent
}

/** The stored events and the quarantine, as people read them; both are written by the single writer (`WriteTx`). */
export interface EventStore {
  /** How far a log processor has applied the event log (0 before it started). */
  logPosition(name: string): Promise<number>
  /** A profile's events, newest first, in pages. */
  timeline(profileId: string, opts: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>>
  /** Quarantined messages, newest first, in pages. */
  quarantine(opts: { limit: number; cursor?: string; source?: string; severity?: QuarantineSeverity }): Promise<Page<QuarantineEntry>>
  /** Quarantined entries that carry one of the events' (source, message id) or mention one of the values. */
  quarantineOfPerson(events: EventKey[], values: string[]): Promise<QuarantineEntry[]>
  /** Stored events, live profiles, rejected messages (quarantined) and data-quality warnings, from running counts. */
  counts(): Promise<{ events: number; profiles: number; quarantined: number; warnings: number }>
  /** Events per UTC day, source, channel and type within [from, to) (YYYY-MM-DD), from running counts. */
  countsByDay(opts: { from?: string; to?: string }): Promise<EventCount[]>
  /** Each profile's first event time, sorted: who counts as a customer when. */
  firstSeenTimes(): Promise<string[]>
  /** A profile's recent behaviour for decisions: event counts of the last 7, 30 and 90 days, last order, visit and category viewed. */
  behaviourOf(profileId: string, at: Date): Promise<Behaviour>
}

export class SqlEventStore implements EventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async logPosition(name: string): Promise<number> {
    const row = await this.db.selectFrom('log_positions').select('position').where('name', '=', name).executeTakeFirst()
    return row ? Number(row.position) : 0
  }

  async timeline(profileId: string, opts: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>> {
    let query = this.db
      .selectFrom('events')
      .select(['message_id', 'type', 'event', 'ts', 'source', 'channel', 'payload'])
      .where('profile_id', '=', profileId)
    if (opts.cursor) {
      const [ts, messageId, source] = decodeCursor(opts.cursor, 3)
      query = query.where(sql<boolean>`(ts, message_id, source) < (${ts}, ${messageId}, ${source})`)
    }
    // Message ids are unique per source only: the source breaks the last tie, so a page never skips an event.
    const rows = await query.orderBy('ts', 'desc').orderBy('message_id', 'desc').orderBy('source', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map((r) => ({
      messageId: r.message_id,
      type: r.type,
      event: r.event,
      timestamp: r.ts,
      source: r.source,
      channel: r.channel,
      payload: JSON.parse(r.payload) as CollectedEvent,
    }))
    const last = items.at(-1)
    return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor([last.timestamp, last.messageId, last.source]) : null }
  }

  async quarantine(opts: { limit: number; cursor?: string; source?: string; severity?: QuarantineSeverity }): Promise<Page<QuarantineEntry>> {
    let query = this.db.selectFrom('quarantine').selectAll()
    if (opts.source) query = query.where('source', '=', opts.source)
    if (opts.severity) query = query.where('severity', '=', opts.severity)
    if (opts.cursor) query = query.where('id', '<', idCursor(opts.cursor))
    const rows = await query.orderBy('id', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map(toQuarantineEntry)
    return { items, nextCursor: rows.length > opts.limit ? String(items.at(-1)?.id) : null }
  }

  async quarantineOfPerson(events: EventKey[], values: string[]): Promise<QuarantineEntry[]> {
    const needles = mentionPatterns(values)
    const found = new Map<number, QuarantineEntry>()
    const take = (rows: QuarantineRow[]) => rows.forEach((r) => found.set(Number(r.id), toQuarantineEntry(r)))
    if (needles.length > 0) {
      take(await this.db.selectFrom('quarantine').selectAll().where((eb) => eb.or(needles.map((n) => sql<boolean>`raw like ${n} escape '\\'`))).execute())
    }
    // By (source, message id), in slices, so that a person with many events stays under SQLite's limit of bound parameters.
    const keys = events.map(eventKey)
    for (let i = 0; i < keys.length; i += 1000) {
      take(await this.db.selectFrom('quarantine').selectAll().where(sql.raw<string>(EVENT_KEY_SQL), 'in', keys.slice(i, i + 1000)).execute())
    }
    return [...found.values()].sort((a, b) => a.id - b.id)
  }

  counts(): Promise<{ events: number; profiles: number; quarantined: number; warnings: number }> {
    return storeCounts(this.db)
  }

  countsByDay(opts: { from?: string; to?: string }): Promise<EventCount[]> {
    return eventCounts(this.db, opts)
  }

  async behaviourOf(profileId: string, at: Date): Promise<Behaviour> {
    const since = new Date(at.getTime() - 90 * DAY_MS).toISOString()
    const [recent, orders, lastVisit, lastView] = await Promise.all([
      this.db.selectFrom('events').select(['event', 'ts']).where('profile_id', '=', profileId).where('ts', '>=', since).where('type', '=', 'track').execute(),
      this.db
        .selectFrom('events')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('revenue').as('revenue'), eb.fn.max('ts').as('last')])
        .where('profile_id', '=', profileId)
        .where('event', '=', 'Order Completed')
        .executeTakeFirst(),
      this.db.selectFrom('events').select((eb) => eb.fn.max('ts').as('last')).where('profile_id', '=', profileId).where('type', 'in', ['page', 'screen']).executeTakeFirst(),
      this.db.selectFrom('events').select('payload').where('profile_id', '=', profileId).where('event', '=', 'Product Viewed').orderBy('ts', 'desc').limit(1).executeTakeFirst(),
    ])
    const behaviour: Behaviour = { orders: Number(orders?.n ?? 0), revenue: Number(orders?.revenue ?? 0), lastOrderAt: orders?.last ?? null, lastVisitAt: lastVisit?.last ?? null, lastCategoryViewed: null, last7d: {}, last30d: {}, last90d: {} }
    const now = at.getTime()
    for (const r of recent) {
      if (r.event === null) continue
      const age = now - Date.parse(r.ts)
      if (age < 0) continue
      behaviour.last90d[r.event] = (behaviour.last90d[r.event] ?? 0) + 1
      if (age <= 30 * DAY_MS) behaviour.last30d[r.event] = (behaviour.last30d[r.event] ?? 0) + 1
      if (age <= 7 * DAY_MS) behaviour.last7d[r.event] = (behaviour.last7d[r.event] ?? 0) + 1
    }
    if (lastView) {
      const category = (JSON.parse(lastView.payload) as { properties?: { category?: unknown } }).properties?.category
      behaviour.lastCategoryViewed = typeof category === 'string' ? category : null
    }
    return behaviour
  }

  async firstSeenTimes(): Promise<string[]> {
    const rows = await this.db.selectFrom('events').select((eb) => eb.fn.min('ts').as('first')).groupBy('profile_id').execute()
    return rows.map((r) => r.first).sort()
  }
}


type QuarantineRow = Omit<Database['quarantine'], 'id'> & { id: number | string }

function toQuarantineEntry(r: QuarantineRow): QuarantineEntry {
  return { id: Number(r.id), source: r.source, receivedAt: r.received_at, messageId: r.message_id, reason: r.reason, severity: r.severity, raw: fromJsonText(r.raw) }
}
