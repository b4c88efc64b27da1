import type { Pool, PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { copyTextRow } from './copy-text.js'
import type { IdentityConflict, IdentityLink, IdentityMerge } from '../../core/identity-link.js'
import { toAuditRow, toConsentRow, toEventRow, toQuarantineRow } from '../rows.js'
import type { Suppression } from '../../core/consent.js'
import { ERASED_TABLES, erasurePlan } from '../erasure-plan.js'
import { decisionWrites, type DecisionWrites } from '../decision-writes.js'
import { learningWrites, type LearningWrites } from '../learning-writes.js'
import { eventKey, type ErasureReport, type EventKey, type IdentifierRow, type NewAuditEntry, type NewConsentRow, type NewQuarantineEntry, type StoredEvent, type WriteTx } from '../store.js'

/**
 * The write side of the PostgreSQL store: one pooled connection per batch transaction, and
 * array parameters (`unnest`, `= ANY`) so that a batch of any size is a handful of statements.
 */
export class PostgresWriter {
  private vacuums: Promise<void> = Promise.resolve()
  private vacuumErrors: unknown[] = []

  constructor(private readonly pool: Pool) {}

  async write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const tx = new PostgresWriteTx(client)
      const result = await fn(tx)
      // An erasure notes its transaction id, so the VACUUM can wait for snapshots that still see the rows.
      const xid = tx.erasedFrom.size > 0 ? (await client.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid')).rows[0]!.xid : null
      await client.query('COMMIT')
      if (xid !== null) this.vacuum([...tx.erasedFrom], xid)
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        throw new AggregateError([err, rollbackErr], 'rollback failed after a failed write')
      })
      throw err
    } finally {
      client.release()
    }
  }

  /** Resolves when the VACUUMs started after erasures are done; rejects with any that failed. */
  async settled(): Promise<void> {
    await this.vacuums
    const errors = this.vacuumErrors.splice(0)
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} VACUUM after an erasure failed`)
  }

  async close(): Promise<void> {
    await this.vacuums
  }

  /**
   * VACUUM FULL of the tables erasures touch: rewrites them and their indexes, so no byte of an
   * erased row stays in a page's free space. Takes an exclusive lock per table while it runs.
   */
  async compact(): Promise<void> {
    await this.settled()
    await this.pool.query(`VACUUM FULL ${ERASED_TABLES.join(', ')}`)
  }

  /**
   * A DELETE leaves the rows as dead tuples in their pages until VACUUM reclaims them; after an
   * erasure the touched tables are vacuumed at once, in the background (VACUUM cannot run in a
   * transaction, and on a large table it takes a while). docs/privacy.md says what remains elsewhere.
   */
  private vacuum(tables: string[], erasedInXid: string): void {
    this.vacuums = this.vacuums
      .then(() => this.snapshotsGone(erasedInXid))
      .then(() => this.pool.query(`VACUUM ${tables.join(', ')}`))
      .then(
        () => undefined,
        (err: unknown) => {
          this.vacuumErrors.push(err)
        },
      )
  }

  /**
   * Waits until no transaction of the database holds a snapshot taken before the erasure committed:
   * VACUUM cannot remove a dead row that such a snapshot may still read (a long report, another
   * node's read stream), and would leave the person's bytes in the pages. Bounded by
   * {@link SNAPSHOT_WAIT_MS}; the VACUUM runs then in any case, and `privacy compact` is the rest.
   */
  private async snapshotsGone(erasedInXid: string): Promise<void> {
    const deadline = Date.now() + SNAPSHOT_WAIT_MS
    for (;;) {
      const { rows } = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND age(backend_xmin) >= age($1::xid)`,
        [erasedInXid],
      )
      if (rows[0]!.n === 0 || Date.now() > deadline) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** How long the VACUUM after an erasure waits for older snapshots to end before it runs anyway. */
const SNAPSHOT_WAIT_MS = 60_000

/**
 * Inserts rows by COPY into the session's staging table shaped like `table`, then one
 * `INSERT … SELECT … onConflict`: about twice the rows/s of array parameters (BENCHMARKS.md), with
 * the same conflict handling. The staging table is made inside the transaction if the session
 * lacks it, so a rollback cannot leave it half-known; its rows go at commit.
 */
/**
 * Inserts rows by COPY into a session staging table and one statement from there: `insert` is
 * given the column list and the staging table's name and writes that statement.
 */
async function copyInsert(c: PoolClient, table: string, rows: Record<string, string | number | null>[], insert: (columns: string, staging: string) => string): Promise<void> {
  if (rows.length === 0) return
  const staging = `${table}_in`
  const keys = Object.keys(rows[0]!)
  const columns = keys.join(', ')
  await c.query(`CREATE TEMP TABLE IF NOT EXISTS ${staging} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`)
  const text = rows.map((row) => copyTextRow(keys.map((k) => row[k] ?? null))).join('')
  await pipeline(Readable.from([text]), c.query(copyFrom(`COPY ${staging} (${columns}) FROM STDIN`)))
  await c.query(insert(columns, staging))
}

/** Inserts rows whose columns are all text (or NULL) as one statement of text arrays. */
async function insertTextRows(c: PoolClient, table: string, rows: Record<string, string | null>[]): Promise<void> {
  if (rows.length === 0) return
  const keys = Object.keys(rows[0]!)
  await c.query(
    `INSERT INTO ${table} (${keys.join(', ')}) SELECT * FROM unnest(${keys.map((_k, i) => `$${i + 1}::text[]`).join(', ')})`,
    keys.map((k) => rows.map((row) => row[k] ?? null)),
  )
}

/** `?` placeholders as PostgreSQL's `$1`, `$2` …, in order. */
function numbered(text: string): string {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

// The decisioning writes are the same SQL in both dialects (decision-writes.ts): mixed in.
interface PostgresWriteTx extends DecisionWrites, LearningWrites {}
class PostgresWriteTx implements WriteTx {
  /** The tables an erasure in this transaction deleted rows from: VACUUMed after the commit. */
  readonly erasedFrom = new Set<string>()


  constructor(private readonly c: PoolClient) {
    const exec = async (text: string, params: unknown[]) => (await c.query(numbered(text), params)).rowCount ?? 0
    Object.assign(this, decisionWrites(exec))
    Object.assign(this, learningWrites(exec, async (text, params) => (await c.query(numbered(text), params)).rows as Record<string, unknown>[], 'postgres'))
  }

  async existingEvents(keys: EventKey[]): Promise<Set<string>> {
    const { rows } = await this.c.query<{ source: string; message_id: string }>(
      'SELECT source, message_id FROM events WHERE (source, message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [keys.map((k) => k.source), keys.map((k) => k.messageId)],
    )
    return new Set(rows.map((r) => eventKey({ source: r.source, messageId: r.message_id })))
  }

  async profilesOf(keys: string[]): Promise<Map<string, string>> {
    const { rows } = await this.c.query<{ key: string; profile_id: string }>(
      'SELECT key, profile_id FROM identifiers WHERE key = ANY($1::text[])',
      [keys],
    )
    return new Map(rows.map((r) => [r.key, r.profile_id]))
  }

  async linksTouching(keys: string[]): Promise<IdentityLink[]> {
    const { rows } = await this.c.query<{ a: string; b: string; ts: string; message_id: string }>(
      'SELECT a, b, ts, message_id FROM identity_links WHERE a = ANY($1::text[]) OR b = ANY($1::text[])',
      [keys],
    )
    return rows.map((r) => ({ a: r.a, b: r.b, timestamp: r.ts, messageId: r.message_id }))
  }

  async upsertLinks(links: IdentityLink[]): Promise<void> {
    if (links.length === 0) return
    await this.c.query(
      `INSERT INTO identity_links (a, b, ts, message_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (a, b) DO UPDATE SET ts = excluded.ts, message_id = excluded.message_id
       WHERE (identity_links.ts, identity_links.message_id) > (excluded.ts, excluded.message_id)`,
      [links.map((l) => l.a), links.map((l) => l.b), links.map((l) => l.timestamp), links.map((l) => l.messageId)],
    )
  }

  async createProfiles(ids: string[], createdAt: string): Promise<void> {
    if (ids.length === 0) return
    await this.c.query('INSERT INTO profiles (id, created_at, merged_into) SELECT unnest($1::text[]), $2, NULL', [ids, createdAt])
    await this.c.query("UPDATE counters SET n = n + $1 WHERE name = 'live_profiles'", [ids.length])
  }

  async putIdentifiers(rows: IdentifierRow[]): Promise<void> {
    if (rows.length === 0) return
    // Array parameters, not copyInsert: for the ~1,500 identifiers of a 5,000-event batch COPY
    // measured no faster (BENCHMARKS.md).
    await this.c.query(
      `INSERT INTO identifiers (key, kind, value, profile_id, first_seen)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (key) DO UPDATE SET profile_id = excluded.profile_id`,
      [rows.map((r) => r.key), rows.map((r) => r.kind), rows.map((r) => r.value), rows.map((r) => r.profileId), rows.map((r) => r.firstSeen)],
    )
  }

  async moveEvents(identityKeys: string[], from: string, to: string): Promise<void> {
    await this.c.query('UPDATE events SET profile_id = $1 WHERE profile_id = $2 AND identity_key = ANY($3::text[])', [to, from, identityKeys])
  }

  async recordMerge(merge: IdentityMerge): Promise<void> {
    await this.c.query("UPDATE counters SET n = n - (SELECT count(*) FROM profiles WHERE id = $1 AND merged_into IS NULL) WHERE name = 'live_profiles'", [merge.fromProfile])
    await this.c.query('UPDATE profiles SET merged_into = $1 WHERE id = $2', [merge.intoProfile, merge.fromProfile])
    await this.c.query('INSERT INTO identity_merges (from_profile, into_profile, message_id, at) VALUES ($1, $2, $3, $4)', [
      merge.fromProfile,
      merge.intoProfile,
      merge.messageId,
      merge.at,
    ])
    // Contact history counts on the merged profile (caps, cool-downs), so its decisions move with it.
    await this.c.query('UPDATE decisions SET profile_id = $1 WHERE profile_id = $2', [merge.intoProfile, merge.fromProfile])
    // The merged profile keeps the group it had first for a campaign; the other's rows go.
    await this.c.query('INSERT INTO experiment_members (campaign_id, profile_id, grp, first_at) SELECT campaign_id, $1, grp, first_at FROM experiment_members WHERE profile_id = $2 ON CONFLICT DO NOTHING', [merge.intoProfile, merge.fromProfile])
    await this.c.query('DELETE FROM experiment_members WHERE profile_id = $1', [merge.fromProfile])
    await this.c.query('INSERT INTO campaign_reach (campaign_id, profile_id, first_at, e30, e90, e365, spend) SELECT campaign_id, $1, first_at, e30, e90, e365, spend FROM campaign_reach WHERE profile_id = $2 ON CONFLICT DO NOTHING', [merge.intoProfile, merge.fromProfile])
    await this.c.query('DELETE FROM campaign_reach WHERE profile_id = $1', [merge.fromProfile])
  }

  async recordConflicts(conflicts: IdentityConflict[], at: string): Promise<void> {
    if (conflicts.length === 0) return
    await this.c.query(
      `INSERT INTO identity_conflicts (message_id, a, b, kind, reason, at)
       SELECT m, a, b, k, r, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(m, a, b, k, r)
       ON CONFLICT DO NOTHING`,
      [conflicts.map((c) => c.messageId), conflicts.map((c) => c.a), conflicts.map((c) => c.b), conflicts.map((c) => c.kind), conflicts.map((c) => c.reason), at],
    )
  }

  async insertEvents(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return
    // The events that were new, counted into event_counts in the same statement.
    await copyInsert(
      this.c,
      'events',
      events.map(toEventRow),
      (columns, staging) => `WITH stored AS (
         INSERT INTO events (${columns}) SELECT ${columns} FROM ${staging} ON CONFLICT (source, message_id) DO NOTHING RETURNING ts, source, channel, type)
       INSERT INTO event_counts (day, source, channel, type, n)
       SELECT substr(ts, 1, 10), source, channel, type, count(*) FROM stored GROUP BY substr(ts, 1, 10), source, channel, type
       ON CONFLICT (day, source, channel, type) DO UPDATE SET n = event_counts.n + excluded.n`,
    )
    const terms = events.flatMap((e) => e.nameTerms.map((t) => [e.identityKey, t] as const))
    if (terms.length > 0) {
      await this.c.query(
        'INSERT INTO name_terms (identity_key, term) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
        [terms.map((t) => t[0]), terms.map((t) => t[1])],
      )
    }
  }

  async quarantine(entries: NewQuarantineEntry[]): Promise<void> {
    await insertTextRows(this.c, 'quarantine', entries.map(toQuarantineRow))
  }

  async insertConsent(rows: NewConsentRow[]): Promise<void> {
    await insertTextRows(this.c, 'consent_records', rows.map(toConsentRow))
  }

  async appendAudit(entries: NewAuditEntry[]): Promise<void> {
    await insertTextRows(this.c, 'audit_log', entries.map(toAuditRow))
  }

  async eraseProfile(profileId: string, suppressions: Suppression[]): Promise<ErasureReport> {
    const { rows: merged } = await this.c.query<{ id: string }>(
      `WITH RECURSIVE m(id) AS (SELECT $1::text UNION SELECT p.id FROM profiles p JOIN m ON p.merged_into = m.id)
       SELECT id FROM m WHERE id IN (SELECT id FROM profiles)`,
      [profileId],
    )
    const { rows: identifiers } = await this.c.query<{ key: string; value: string }>('SELECT key, value FROM identifiers WHERE profile_id = $1', [profileId])
    const { rows: events } = await this.c.query<EventKey>('SELECT source, message_id AS "messageId" FROM events WHERE profile_id = $1', [profileId])
    const plan = erasurePlan(merged.map((r) => r.id), identifiers, events)
    const report: ErasureReport = {}
    for (const step of plan) {
      const params: string[][] = []
      const slot = (name: string) => {
        params.push(step.lists[name] ?? [])
        return `$${params.length}::text[]`
      }
      const text = step.sql
        .replace(/\{in:(\w+)\}/g, (_m, name: string) => `= ANY(${slot(name)})`)
        .replace(/\{like:(\w+)\}/g, (_m, name: string) => `LIKE ANY(${slot(name)})`)
      report[step.table] = (await this.c.query(text, params)).rowCount ?? 0
      if (report[step.table]! > 0) this.erasedFrom.add(step.table)
    }
    if (suppressions.length > 0) {
      await this.c.query(
        `INSERT INTO suppressions (hash, kind, erased_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT (hash) DO UPDATE SET erased_at = excluded.erased_at`,
        [suppressions.map((s) => s.hash), suppressions.map((s) => s.kind), suppressions.map((s) => s.erasedAt)],
      )
    }
    return report
  }
}
