import { randomBytes } from 'node:crypto'
import { Migrator, sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { hashSecret } from '../core/ids.js'
import { journeyColumns } from './migrations/0010-journey-columns.js'
import { valueRunVersions } from './migrations/0011-value-run-versions.js'
import { aggregates } from './migrations/0012-aggregates.js'
import { decisions } from './migrations/0013-decisions.js'
import { deliveries } from './migrations/0015-deliveries.js'
import { campaignSpend } from './migrations/0016-campaign-spend.js'
import { logPositions } from './migrations/0017-log-positions.js'
import { learning } from './migrations/0018-learning.js'
import { learningDaily } from './migrations/0019-learning-daily.js'
import { experimentMembers } from './migrations/0020-experiment-members.js'
import { campaignReach } from './migrations/0021-campaign-reach.js'
import { nextBestOffers } from './migrations/0014-next-best-offers.js'

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
  '0006_privacy': {
    async up(db: Kysely<any>) {
      // Every key is stored hashed: API keys with roles, and the sources' write keys (role `source`).
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute()
      const sources = (await db.selectFrom('sources').selectAll().execute()) as { name: string; write_key: string; created_at: string }[]
      for (const [i, s] of sources.entries()) {
        await db
          .insertInto('api_keys')
          .values({ id: `key_src${i}_${randomBytes(3).toString('hex')}`, name: s.name, role: 'source', source: s.name, hash: hashSecret(s.write_key), hint: `${s.write_key.slice(0, 6)}…`, created_at: s.created_at, revoked_at: null })
          .execute()
      }
      await db.schema.createTable('sources_v2').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('created_at', 'text', (c) => c.notNull()).execute()
      await sql`INSERT INTO sources_v2 (name, created_at) SELECT name, created_at FROM sources`.execute(db)
      await db.schema.dropTable('sources').execute()
      await db.schema.alterTable('sources_v2').renameTo('sources').execute()

      // The consent ledger: every change, never overwritten. Rows follow the identifier that decided
      // them (as events do), so a merge or split takes them along without an update.
      await db.schema
        .createTable('consent_records')
        .addColumn('id', 'integer', autoId)
        .addColumn('identity_key', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('legal_basis', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text')
        .addColumn('message_id', 'text')
        .execute()
      await db.schema.createIndex('consent_records_identity').on('consent_records').column('identity_key').execute()

      // Erased people's emails and phones as salted hashes: a re-import comes back without marketing consent.
      await db.schema
        .createTable('suppressions')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('erased_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createTable('settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute()
      await db.insertInto('settings').values({ key: 'suppression_salt', value: randomBytes(32).toString('hex') }).execute()

      // Who read or changed whose data, when, for what. Append-only: triggers refuse updates and deletes.
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', autoId)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('profile_id', 'text')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('audit_log_profile').on('audit_log').column('profile_id').execute()
      if (dialect === 'sqlite') {
        for (const op of ['UPDATE', 'DELETE']) {
          await sql.raw(`CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`).execute(db)
        }
      } else {
        await sql.raw(`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$`).execute(db)
        await sql.raw('CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()').execute(db)
      }
    },
  },
  '0007_fewer_ingest_indexes': {
    async up(db: Kysely<any>) {
      // Merges move events by (old profile, identifier keys) through events_profile_ts; an index by
      // identifier on every event cost about a fifth of ingest throughput (BENCHMARKS.md).
      await db.schema.dropIndex('events_identity_key').execute()
      // SQLite searches emails by a range of the identifiers' key (`email:<prefix>`), which its
      // LIKE cannot do with the (kind, value) index; that index only made every new identifier
      // dearer and led SQLite to scan all emails. PostgreSQL keeps it (see searchProfiles).
      if (dialect === 'sqlite') await db.schema.dropIndex('identifiers_kind_value').execute()
    },
  },
  '0008_idempotency_per_source': {
    async up(db: Kysely<any>) {
      // A message id is unique within its source, not across sources: one source's ids can no
      // longer shadow another's events (issue 10.4). Existing rows are kept as they are.
      if (dialect === 'postgres') {
        await sql`ALTER TABLE events DROP CONSTRAINT events_pkey`.execute(db)
        await sql`ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (source, message_id)`.execute(db)
        return
      }
      // SQLite cannot change a primary key in place: the table is copied into its new shape, which is
      // 0001's events table with 0004's cost column (spelled out: a migration never changes).
      const columns: [name: string, type: 'text' | 'integer' | 'double precision', notNull: boolean][] = [
        ['message_id', 'text', true], ['profile_id', 'text', true], ['identity_key', 'text', true], ['type', 'text', true],
        ['event', 'text', false], ['ts', 'text', true], ['received_at', 'text', true], ['source', 'text', true],
        ['channel', 'text', true], ['user_id', 'text', false], ['anonymous_id', 'text', false], ['has_traits', 'integer', true],
        ['revenue', 'double precision', false], ['currency', 'text', false], ['payload', 'text', true], ['cost', 'double precision', false],
      ]
      let table: CreateTableBuilder<string, string> = db.schema.createTable('events_v2')
      for (const [name, type, notNull] of columns) table = table.addColumn(name, type, (c) => (notNull ? c.notNull() : c))
      await table.addPrimaryKeyConstraint('events_pk', ['source', 'message_id']).execute()
      const names = columns.map(([name]) => name).join(', ')
      await sql.raw(`INSERT INTO events_v2 (${names}) SELECT ${names} FROM events`).execute(db)
      await db.schema.dropTable('events').execute()
      await db.schema.alterTable('events_v2').renameTo('events').execute()
      await db.schema.createIndex('events_profile_ts').on('events').columns(['profile_id', 'ts']).execute()
    },
  },
  '0009_quarantine_warnings': {
    async up(db: Kysely<any>) {
      // The quarantine also lists data-quality warnings of events that were stored (an invalid email
      // kept as a trait): 'rejected' entries were not stored, 'warning' entries were.
      await db.schema.alterTable('quarantine').addColumn('severity', 'text', (c) => c.notNull().defaultTo('rejected')).execute()
    },
  },
  '0010_journey_columns': journeyColumns,
  '0011_value_run_versions': valueRunVersions(dialect),
  '0012_aggregates': aggregates,
  '0013_decisions': decisions,
  '0014_next_best_offers': nextBestOffers,
  '0015_deliveries': deliveries,
  '0016_campaign_spend': campaignSpend(dialect),
  '0017_log_positions': logPositions,
  '0018_learning': learning,
  '0019_learning_daily': learningDaily,
  '0020_experiment_members': experimentMembers,
  '0021_campaign_reach': campaignReach,
  }
}

/** The migrations of one dialect, for Kysely's Migrator. */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) }
}

/** The migrator's own steps failed (its tables, its lock), before any migration: nothing of ours ran. */
export class MigratorSetupError extends Error {}

/** Brings the schema up to date; each migration runs once. */
export async function migrateToLatest(db: Kysely<any>, dialect: 'sqlite' | 'postgres', schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    if (failed === undefined) throw new MigratorSetupError('the migrator failed before any migration ran', { cause: error })
    throw new Error(`migration ${failed} failed`, { cause: error })
  }
}
