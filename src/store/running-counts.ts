import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { QuarantineSeverity } from './events.js'

export interface EventCount {
  /** UTC day, YYYY-MM-DD. */
  day: string
  source: string
  channel: string
  type: string
  events: number
}

/** Stored events, live profiles, rejected messages and warnings, from the running counts: no scan of events or profiles. */
export async function storeCounts(db: Kysely<Database>): Promise<{ events: number; profiles: number; quarantined: number; warnings: number }> {
  const [events, profiles, bySeverity] = await Promise.all([
    db.selectFrom('event_counts').select((eb) => eb.fn.sum<number | string | null>('n').as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('counters').select('n').where('name', '=', 'live_profiles').executeTakeFirst(),
    db.selectFrom('quarantine').select((eb) => ['severity', eb.fn.countAll<number | string>().as('n')]).groupBy('severity').execute(),
  ])
  const of = (severity: QuarantineSeverity) => Number(bySeverity.find((r) => r.severity === severity)?.n ?? 0)
  return { events: Number(events.n ?? 0), profiles: Number(profiles?.n ?? 0), quarantined: of('rejected'), warnings: of('warning') }
}

/** Events per UTC day, source, channel and type within [from, to) (days, YYYY-MM-DD), oldest first. */
export async function eventCounts(db: Kysely<Database>, opts: { from?: string; to?: string }): Promise<EventCount[]> {
  let query = db.selectFrom('event_counts').selectAll().where('n', '>', 0)
  if (opts.from) query = query.where('day', '>=', opts.from)
  if (opts.to) query = query.where('day', '<', opts.to)
  const rows = await query.orderBy('day').orderBy('source').orderBy('channel').orderBy('type').execute()
  return rows.map((r) => ({ day: r.day, source: r.source, channel: r.channel, type: r.type, events: Number(r.n) }))
}
