import { sql, type Kysely, type Migration } from 'kysely'

/**
 * 0010: what attribution and the value models read, as columns and an index, so that neither
 * loads event payloads (issue 15). The campaign context and the referrer become columns, filled
 * here from the stored payloads; orders get a partial index that holds everything the value
 * models read, so that they are read from it alone and in profile order.
 */
export const journeyColumns: Migration = {
  async up(db: Kysely<any>) {
    for (const column of ['utm_source', 'utm_medium', 'utm_campaign', 'referrer']) {
      await db.schema.alterTable('events').addColumn(column, 'text').execute()
    }
    await fillFromPayloads(db)
    await sql`CREATE INDEX events_orders ON events (profile_id, ts, message_id, source, revenue, cost, currency) WHERE event = 'Order Completed' AND revenue IS NOT NULL`.execute(db)
  },
}

const PAGE = 1000

/** Reads the payloads that can hold a campaign or a referrer, by primary key in pages, and sets the columns. */
async function fillFromPayloads(db: Kysely<any>): Promise<void> {
  let after: [string, string] | null = null
  for (;;) {
    const rows: { source: string; message_id: string; payload: string }[] = await db
      .selectFrom('events')
      .select(['source', 'message_id', 'payload'])
      .where((eb) => eb.or([eb('payload', 'like', '%"campaign"%'), eb('payload', 'like', '%"referrer"%')]))
      .$if(after !== null, (q) => q.where(sql<boolean>`(source, message_id) > (${after![0]}, ${after![1]})`))
      .orderBy('source')
      .orderBy('message_id')
      .limit(PAGE)
      .execute()
    if (rows.length === 0) return
    const values = rows.map((r) => [r.source, r.message_id, ...campaignOf(JSON.parse(r.payload) as Payload)] as const)
    const tuples = sql.join(values.map((v) => sql`(${sql.join(v)})`))
    // VALUES names its columns column1…column6 in both dialects.
    await sql`UPDATE events SET utm_source = v.column3, utm_medium = v.column4, utm_campaign = v.column5, referrer = v.column6
      FROM (VALUES ${tuples}) AS v WHERE events.source = v.column1 AND events.message_id = v.column2`.execute(db)
    const last = rows.at(-1)!
    after = [last.source, last.message_id]
  }
}

type Payload = { context?: { campaign?: Record<string, unknown>; page?: Record<string, unknown> } }

/** A frozen copy of rows.ts' campaignColumns as of this migration: non-empty strings only. */
function campaignOf(p: Payload): [string | null, string | null, string | null, string | null] {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)
  const campaign = p.context?.campaign ?? {}
  return [text(campaign.source), text(campaign.medium), text(campaign.name), text(p.context?.page?.referrer)]
}
