import type { Kysely, Migration } from 'kysely'

/**
 * 0015: the outbox of outbound runs (issue 11, point 6). One row per decision that is to be
 * delivered to a destination — its id is the delivery's idempotency key — with its state:
 * `pending` (stored with the decision, not yet delivered), `delivered`, `failed` (retries used up:
 * the dead-letter list) or `suppressed` (consent withdrawn before delivery). The person is reached
 * through the decision, so erasure and merges need nothing of their own here but the delete.
 */
export const deliveries: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('deliveries')
      .addColumn('decision_id', 'text', (c) => c.primaryKey())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('deliveries_status').on('deliveries').columns(['status', 'destination', 'created_at']).execute()
  },
}
