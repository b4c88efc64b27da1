import { sql, type Kysely, type Migration } from 'kysely'

/**
 * 0011: computed values are kept per run (profile, kind, computed_at), so that a refresh writes its
 * values in short slices beside the previous run's and makes them current at once by storing its
 * summary in value_runs; a refresh that fails halfway leaves the previous run in place (issue 15).
 */
export function valueRunVersions(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        await sql`ALTER TABLE computed_values DROP CONSTRAINT computed_values_pk`.execute(db)
        await sql`ALTER TABLE computed_values ADD CONSTRAINT computed_values_pk PRIMARY KEY (profile_id, kind, computed_at)`.execute(db)
      } else {
        // SQLite cannot change a primary key in place: 0002's table, copied into its new key.
        await db.schema
          .createTable('computed_values_v2')
          .addColumn('profile_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('computed_at', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('computed_values_pk', ['profile_id', 'kind', 'computed_at'])
          .execute()
        await sql`INSERT INTO computed_values_v2 (profile_id, kind, computed_at, data) SELECT profile_id, kind, computed_at, data FROM computed_values`.execute(db)
        await db.schema.dropTable('computed_values').execute()
        await db.schema.alterTable('computed_values_v2').renameTo('computed_values').execute()
      }
      // Finding an old run's rows to delete, without reading the current run's.
      await db.schema.createIndex('computed_values_run').on('computed_values').columns(['kind', 'computed_at']).execute()
    },
  }
}
