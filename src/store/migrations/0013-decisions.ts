import type { Kysely, Migration } from 'kysely'

/**
 * 0013: the decisioning engine's tables (issue 11). `catalog_versions` keeps every applied catalog;
 * `decisions` every decision with the offers it made and its explanation, by profile (null for an
 * anonymous visitor); `decision_outcomes` what the customer did with each offer, once per
 * (decision, offer, outcome); `campaign_usage` the contacts per campaign and day, which the
 * campaigns' volume caps are checked and reserved against.
 */
export const decisions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('catalog_versions')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addColumn('applied_by', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('profile_id', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('placement', 'text', (c) => c.notNull())
      .addColumn('catalog_version', 'integer', (c) => c.notNull())
      .addColumn('continues', 'text')
      .addColumn('offers', 'text', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('decisions_profile_at').on('decisions').columns(['profile_id', 'at']).execute()
    await db.schema
      .createTable('decision_outcomes')
      .addColumn('decision_id', 'text', (c) => c.notNull())
      .addColumn('offer_id', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('value', 'real')
      .addColumn('source', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('decision_outcomes_pk', ['decision_id', 'offer_id', 'outcome'])
      .execute()
    await db.schema
      .createTable('campaign_usage')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_usage_pk', ['campaign_id', 'day'])
      .execute()
  },
}
