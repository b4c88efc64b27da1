import type { Kysely, Migration } from 'kysely'

/**
 * 0020: who is in a campaign's experiment (issue 12, point 4): every known customer a decision found
 * eligible for a campaign with a holdout, with their group (`holdout` or `treated`) and when they
 * were first eligible, once per campaign and customer; uplift compares what the two groups did
 * since. Merges move the rows with the profile, erasure deletes them.
 */
export const experimentMembers: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('experiment_members')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('grp', 'text', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('experiment_members_pk', ['campaign_id', 'profile_id'])
      .execute()
    await db.schema.createIndex('experiment_members_profile').on('experiment_members').column('profile_id').execute()
  },
}
