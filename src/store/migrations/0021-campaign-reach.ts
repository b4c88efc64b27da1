import type { Kysely, Migration } from 'kysely'

/**
 * 0021: when a campaign first reached each known customer, with what the value models predicted
 * for them then (issue 12, point 3's value curve): expected purchases in 30, 90 and 365 days and the
 * expected spend per order. Kept from the moment of the reach, so that a later value run — which
 * already knows what the customer did since — does not flatter the prediction. Merges move the rows,
 * erasure deletes them.
 */
export const campaignReach: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('campaign_reach')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .addColumn('e30', 'real')
      .addColumn('e90', 'real')
      .addColumn('e365', 'real')
      .addColumn('spend', 'real')
      .addPrimaryKeyConstraint('campaign_reach_pk', ['campaign_id', 'profile_id'])
      .execute()
    await db.schema.createIndex('campaign_reach_profile').on('campaign_reach').column('profile_id').execute()
  },
}
