import { Migrator, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely'

/** Migrations run in name order at every start; each runs once. Both dialects share them. */
function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  // SQLite's INTEGER PRIMARY KEY is already its auto-increment rowid; PostgreSQL needs an identity.
  const autoId = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()
  return {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sources')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('merged_into', 'text')
        .execute()
      await db.schema
        .createTable('identifiers')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('first_seen', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('identifiers_profile').on('identifiers').column('profile_id').execute()
      await db.schema.createIndex('identifiers_kind_value').on('identifiers').columns(['kind', 'value']).execute()
      await db.schema
        .createTable('identity_links')
        .addColumn('a', 'text', (c) => c.notNull())
        .addColumn('b', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('identity_links_pk', ['a', 'b'])
        .execute()
      await db.schema.createIndex('identity_links_b').on('identity_links').column('b').execute()
      await db.schema
        .createTable('identity_merges')
        .addColumn('id', 'integer', autoId)
        .addColumn('from_profile', 'text', (c) => c.notNull())
        .addColumn('into_profile', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('identity_merges_into').on('identity_merges').column('into_profile').execute()
      await db.schema
        .createTable('identity_conflicts')
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('a', 'text', (c) => c.notNull())
        .addColumn('b', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('identity_conflicts_pk', ['message_id', 'a', 'b'])
        .execute()
      await db.schema
        .createTable('events')
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('identity_key', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('event', 'text')
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('anonymous_id', 'text')
        .addColumn('has_traits', 'integer', (c) => c.notNull())
        .addColumn('revenue', 'double precision')
        .addColumn('currency', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('events_profile_ts').on('events').columns(['profile_id', 'ts']).execute()
      await db.schema.createIndex('events_identity_key').on('events').column('identity_key').execute()
      await db.schema
        .createTable('name_terms')
        .addColumn('identity_key', 'text', (c) => c.notNull())
        .addColumn('term', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('name_terms_pk', ['term', 'identity_key'])
        .execute()
      await db.schema
        .createTable('quarantine')
        .addColumn('id', 'integer', autoId)
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .execute()
    },
  },
  '0002_computed_values': {
    async up(db: Kysely<any>) {
      // One row per profile and kind of computed value (e.g. 'value'): the latest model output as JSON.
      await db.schema
        .createTable('computed_values')
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('computed_at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('computed_values_pk', ['profile_id', 'kind'])
        .execute()
    },
  },
  '0003_value_runs': {
    async up(db: Kysely<any>) {
      // Each value refresh: its fits, clusters and model check, for the dashboard and the API.
      await db.schema
        .createTable('value_runs')
        .addColumn('id', 'integer', autoId)
        .addColumn('computed_at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute()
    },
  },
  '0004_order_cost': {
    async up(db: Kysely<any>) {
      // The cost of an order's goods, when the sender knows it: margins and profitability.
      await db.schema.alterTable('events').addColumn('cost', 'double precision').execute()
    },
  },
  '0005_spend': {
    async up(db: Kysely<any>) {
      // Marketing spend per day, channel and campaign, for CPA and ROAS.
      await db.schema
        .createTable('spend')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('campaign', 'text', (c) => c.notNull())
        .addColumn('cost', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('spend_pk', ['day', 'channel', 'campaign'])
        .execute()
    },
  },
  }
}

/** The migrations of one dialect, for Kysely's Migrator. */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) }
}

/** Brings the schema up to date; each migration runs once. */
export async function migrateToLatest(db: Kysely<any>, dialect: 'sqlite' | 'postgres', schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed`, { cause: error })
  }
}
