import type { Kysely, Migration } from 'kysely'

/**
 * 0014: each profile's ranked next best offers per channel, as `decide all` last computed them
 * (issue 11, point 7): one row per profile, replaced by every run, shown in the profile as
 * `computed.nextBestOffers`.
 */
export const nextBestOffers: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('next_best_offers')
      .addColumn('profile_id', 'text', (c) => c.primaryKey())
      .addColumn('computed_at', 'text', (c) => c.notNull())
      .addColumn('catalog_version', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute()
  },
}
