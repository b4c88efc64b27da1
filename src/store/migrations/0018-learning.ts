import type { Kysely, Migration } from 'kysely'

/**
 * 0018: the learning loop (issue 12). `decisions.learning` keeps what a decision's policy saw and
 * did (the context's features, the show probabilities, the model version) for learning and
 * off-policy evaluation; `learning_examples` one row per finished showing of an offer (its label:
 * 1 for accept or converted, 0 for reject or an expired response window), unique per (decision,
 * offer) so that no showing is learned twice, marked once folded into the models;
 * `learning_state` the learned models (the row `meta` holds the version, the vocabulary and how
 * far response windows were closed; one row per offer its model), which every node reads.
 */
export const learning: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('decisions').addColumn('learning', 'text').execute()
    await db.schema.createIndex('decisions_at').on('decisions').column('at').execute()
    await db.schema
      .createTable('learning_examples')
      .addColumn('decision_id', 'text', (c) => c.notNull())
      .addColumn('offer_id', 'text', (c) => c.notNull())
      .addColumn('label', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('folded', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('learning_examples_pk', ['decision_id', 'offer_id'])
      .execute()
    await db.schema.createIndex('learning_examples_unfolded').on('learning_examples').columns(['folded', 'at']).execute()
    await db.schema
      .createTable('learning_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
  },
}
