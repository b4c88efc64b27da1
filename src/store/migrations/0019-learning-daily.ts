import type { Kysely, Migration } from 'kysely'

/**
 * 0019: what the learning loop's monitoring reads (issue 12, points 3 and 4): per day of the
 * decision, offer and experiment arm, the finished showings folded so far — their count, responses, the sum of the predicted
 * rates, of p(1 − p), of the Brier and log-loss terms — and per predicted-rate band the same counts
 * (JSON), so that calibration and alerts are read from a few rows a day, not from every decision.
 * Written by the folds, under the learned state's lock.
 */
export const learningDaily: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('learning_daily')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('offer_id', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('positives', 'integer', (c) => c.notNull())
      .addColumn('predicted', 'real', (c) => c.notNull())
      .addColumn('variance', 'real', (c) => c.notNull())
      .addColumn('brier', 'real', (c) => c.notNull())
      .addColumn('log_loss', 'real', (c) => c.notNull())
      .addColumn('bands', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('learning_daily_pk', ['day', 'offer_id', 'arm'])
      .execute()
  },
}
