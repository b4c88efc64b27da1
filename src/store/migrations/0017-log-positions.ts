import type { Kysely, Migration } from 'kysely'

/**
 * 0017: how far the processor has applied the event log (issue 13): one row per processor name,
 * written in the same transaction as the rows it applied, so that after a crash it resumes exactly
 * there and a replay changes nothing.
 */
export const logPositions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_positions')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .execute()
  },
}
