import { sql, type Kysely, type Migration } from 'kysely'

/**
 * 0012: what the dashboard and the API show without scanning every event per request (issue 15).
 * `event_counts` holds events per day, source, channel and type, kept up to date by every write
 * that stores or erases events; `counters` holds the number of live profiles, kept by profile
 * creation, merges and erasure; `aggregates` holds the latest result of each periodic refresh
 * (attribution, consent figures). The first two are filled here from the stored rows.
 */
export const aggregates: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('event_counts')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_counts_pk', ['day', 'source', 'channel', 'type'])
      .execute()
    await sql`INSERT INTO event_counts (day, source, channel, type, n)
      SELECT substr(ts, 1, 10), source, channel, type, count(*) FROM events GROUP BY substr(ts, 1, 10), source, channel, type`.execute(db)
    await db.schema
      .createTable('counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute()
    await sql`INSERT INTO counters (name, n) SELECT 'live_profiles', count(*) FROM profiles WHERE merged_into IS NULL`.execute(db)
    await db.schema
      .createTable('aggregates')
      .addColumn('kind', 'text', (c) => c.primaryKey())
      .addColumn('computed_at', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute()
  },
}
