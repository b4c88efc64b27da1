import type { Database as SqliteDatabase, Statement } from 'better-sqlite3'
import type { IdentityConflict, IdentityLink, IdentityMerge } from '../../core/identity-link.js'
import { countByDay, toAuditRow, toConsentRow, toEventRow, toQuarantineRow } from '../rows.js'
import type { Database } from '../schema.js'
import type { Suppression } from '../../core/consent.js'
import { erasurePlan } from '../erasure-plan.js'
import { decisionWrites, type DecisionWrites } from '../decision-writes.js'
import { learningWrites, type LearningWrites } from '../learning-writes.js'
import { eventKey, type ErasureReport, type EventKey, type IdentifierRow, type NewAuditEntry, type NewConsentRow, type NewQuarantineEntry, type StoredEvent, type WriteTx } from '../store.js'

/**
 * The write side of the SQLite store: its own connection, statements prepared once, one
 * IMMEDIATE transaction per batch. Reads go through Kysely on another connection (WAL lets
 * them run beside the writer).
 */
export class SqliteWriter {
  private readonly tx: SqliteWriteTx
  private tail: Promise<unknown> = Promise.resolve()
  private readonly begin: Statement
  private readonly commit: Statement
  private readonly rollback: Statement

  constructor(private readonly db: SqliteDatabase) {
    this.tx = new SqliteWriteTx(db)
    this.begin = db.prepare('BEGIN IMMEDIATE')
    this.commit = db.prepare('COMMIT')
    this.rollback = db.prepare('ROLLBACK')
  }

  /** Runs `fn` in one transaction; transactions never overlap. */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.serialize(async () => {
      this.begin.run()
      try {
        const result = await fn(this.tx)
        this.commit.run()
        if (this.tx.takeErased()) this.truncateWal()
        return result
      } catch (err) {
        if (this.db.inTransaction) this.rollback.run()
        this.tx.takeErased()
        throw err
      }
    })
  }

  /**
   * Rewrites the database file (VACUUM) and truncates the WAL: free pages, also those freed before
   * secure_delete was on (databases from before salestwin 0.2), are gone from the files.
   */
  compact(): Promise<void> {
    return this.serialize(() => {
      this.db.exec('VACUUM')
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    })
  }

  /** Runs `job` after everything queued on this connection before it: transactions, checkpoints, VACUUM. */
  private serialize<T>(job: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(job)
    this.tail = run.catch(() => undefined)
    return run
  }

  /** Resolves when no WAL truncation after an erasure is still waiting for readers. */
  async settled(): Promise<void> {
    while (this.retry) await new Promise((resolve) => setTimeout(resolve, 20))
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    // The last connection to close checkpoints and removes the WAL; make sure nothing erased waits in it.
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    this.db.close()
  }

  private retry: NodeJS.Timeout | null = null

  /**
   * The WAL keeps the page images of every commit until a checkpoint, and SQLite reuses it without
   * shrinking it: erased rows stay readable there. TRUNCATE copies the (zeroed) pages into the
   * database and cuts the WAL to zero bytes. A reader still on an older snapshot makes it busy;
   * then it is tried again shortly (reads are short).
   */
  private truncateWal(): void {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
    if (result?.busy !== 1) {
      this.retry = null
      return
    }
    this.retry = setTimeout(() => void this.serialize(() => this.truncateWal()), 50)
  }
}

// The decisioning writes are the same SQL in both dialects (decision-writes.ts): mixed in.
interface SqliteWriteTx extends DecisionWrites, LearningWrites {}
class SqliteWriteTx implements WriteTx {
  private readonly s: Record<string, Statement>

  constructor(db: SqliteDatabase) {
    const prepared = new Map<string, Statement>()
    const statement = (text: string) => {
      let s = prepared.get(text)
      if (!s) prepared.set(text, (s = db.prepare(text)))
      return s
    }
    const exec = async (text: string, params: unknown[]) => statement(text).run(...params).changes
    Object.assign(this, decisionWrites(exec))
    Object.assign(this, learningWrites(exec, async (text, params) => statement(text).all(...params) as Record<string, unknown>[], 'sqlite'))
    const inJson = (column: string) => `${column} IN (SELECT value FROM json_each(?))`
    this.s = {
      existing: db
        .prepare(`SELECT source, message_id FROM events WHERE (source, message_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`)
        .raw(),
      profilesOf: db.prepare(`SELECT key, profile_id FROM identifiers WHERE ${inJson('key')}`).raw(),
      linksTouching: db.prepare(
        `SELECT a, b, ts, message_id FROM identity_links WHERE ${inJson('a')} UNION SELECT a, b, ts, message_id FROM identity_links WHERE ${inJson('b')}`,
      ),
      upsertLink: db.prepare(
        `INSERT INTO identity_links (a, b, ts, message_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (a, b) DO UPDATE SET ts = excluded.ts, message_id = excluded.message_id
         WHERE (identity_links.ts, identity_links.message_id) > (excluded.ts, excluded.message_id)`,
      ),
      createProfile: db.prepare('INSERT INTO profiles (id, created_at, merged_into) VALUES (?, ?, NULL)'),
      addLiveProfiles: db.prepare("UPDATE counters SET n = n + ? WHERE name = 'live_profiles'"),
      dropLiveProfile: db.prepare("UPDATE counters SET n = n - (SELECT count(*) FROM profiles WHERE id = ? AND merged_into IS NULL) WHERE name = 'live_profiles'"),
      addEventCount: db.prepare(
        `INSERT INTO event_counts (day, source, channel, type, n) VALUES (@day, @source, @channel, @type, @n)
         ON CONFLICT (day, source, channel, type) DO UPDATE SET n = n + excluded.n`,
      ),
      putIdentifier: db.prepare(
        `INSERT INTO identifiers (key, kind, value, profile_id, first_seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET profile_id = excluded.profile_id`,
      ),
      moveEvents: db.prepare(`UPDATE events SET profile_id = ? WHERE profile_id = ? AND ${inJson('identity_key')}`),
      markMerged: db.prepare('UPDATE profiles SET merged_into = ? WHERE id = ?'),
      insertMerge: db.prepare('INSERT INTO identity_merges (from_profile, into_profile, message_id, at) VALUES (?, ?, ?, ?)'),
      insertConflict: db.prepare(
        'INSERT INTO identity_conflicts (message_id, a, b, kind, reason, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (message_id, profile_id, identity_key, type, event, ts, received_at, source, channel,
           user_id, anonymous_id, has_traits, revenue, cost, currency, utm_source, utm_medium, utm_campaign, referrer, payload)
         VALUES (@message_id, @profile_id, @identity_key, @type, @event, @ts, @received_at, @source, @channel,
           @user_id, @anonymous_id, @has_traits, @revenue, @cost, @currency, @utm_source, @utm_medium, @utm_campaign, @referrer, @payload)
         ON CONFLICT (source, message_id) DO NOTHING`,
      ),
      insertTerm: db.prepare('INSERT INTO name_terms (identity_key, term) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      insertQuarantine: db.prepare('INSERT INTO quarantine (source, received_at, message_id, reason, raw, severity) VALUES (@source, @received_at, @message_id, @reason, @raw, @severity)'),
      insertConsent: db.prepare(
        `INSERT INTO consent_records (identity_key, purpose, channel, state, legal_basis, source, occurred_at, recorded_at, evidence, message_id)
         VALUES (@identity_key, @purpose, @channel, @state, @legal_basis, @source, @occurred_at, @recorded_at, @evidence, @message_id)`,
      ),
      // Contact history counts on the merged profile (caps, cool-downs), so its decisions move with it.
      moveDecisions: db.prepare('UPDATE decisions SET profile_id = ? WHERE profile_id = ?'),
      // The merged profile keeps the group it had first for a campaign; the other's rows go.
      copyMembers: db.prepare('INSERT INTO experiment_members (campaign_id, profile_id, grp, first_at) SELECT campaign_id, ?, grp, first_at FROM experiment_members WHERE profile_id = ? ON CONFLICT DO NOTHING'),
      dropMembers: db.prepare('DELETE FROM experiment_members WHERE profile_id = ?'),
      copyReach: db.prepare('INSERT INTO campaign_reach (campaign_id, profile_id, first_at, e30, e90, e365, spend) SELECT campaign_id, ?, first_at, e30, e90, e365, spend FROM campaign_reach WHERE profile_id = ? ON CONFLICT DO NOTHING'),
      dropReach: db.prepare('DELETE FROM campaign_reach WHERE profile_id = ?'),
      insertAudit: db.prepare(
        `INSERT INTO audit_log (at, key_id, actor, role, action, profile_id, purpose, detail)
         VALUES (@at, @key_id, @actor, @role, @action, @profile_id, @purpose, @detail)`,
      ),
      mergedInto: db
        .prepare(
          `WITH RECURSIVE m(id) AS (SELECT ? UNION SELECT p.id FROM profiles p JOIN m ON p.merged_into = m.id)
           SELECT id FROM m WHERE id IN (SELECT id FROM profiles)`,
        )
        .pluck(),
      identifiersOf: db.prepare('SELECT key, value FROM identifiers WHERE profile_id = ?'),
      eventKeysOf: db.prepare('SELECT source, message_id AS messageId FROM events WHERE profile_id = ?'),
      putSuppression: db.prepare(
        'INSERT INTO suppressions (hash, kind, erased_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET erased_at = excluded.erased_at',
      ),
    }
    this.db = db
  }

  private readonly db: SqliteDatabase
  private erased = false

  /** Whether this transaction erased a person (and clears the mark): the writer then truncates the WAL. */
  takeErased(): boolean {
    const erased = this.erased
    this.erased = false
    return erased
  }

  async existingEvents(keys: EventKey[]): Promise<Set<string>> {
    const rows = this.s.existing!.all(JSON.stringify(keys.map((k) => [k.source, k.messageId]))) as [string, string][]
    return new Set(rows.map(([source, messageId]) => eventKey({ source, messageId })))
  }

  async profilesOf(keys: string[]): Promise<Map<string, string>> {
    return new Map(this.s.profilesOf!.all(JSON.stringify(keys)) as [string, string][])
  }

  async linksTouching(keys: string[]): Promise<IdentityLink[]> {
    const json = JSON.stringify(keys)
    const rows = this.s.linksTouching!.all(json, json) as { a: string; b: string; ts: string; message_id: string }[]
    return rows.map((r) => ({ a: r.a, b: r.b, timestamp: r.ts, messageId: r.message_id }))
  }

  async upsertLinks(links: IdentityLink[]): Promise<void> {
    for (const l of links) this.s.upsertLink!.run(l.a, l.b, l.timestamp, l.messageId)
  }

  async createProfiles(ids: string[], createdAt: string): Promise<void> {
    for (const id of ids) this.s.createProfile!.run(id, createdAt)
    if (ids.length > 0) this.s.addLiveProfiles!.run(ids.length)
  }

  async putIdentifiers(rows: IdentifierRow[]): Promise<void> {
    for (const r of rows) this.s.putIdentifier!.run(r.key, r.kind, r.value, r.profileId, r.firstSeen)
  }

  async moveEvents(identityKeys: string[], from: string, to: string): Promise<void> {
    this.s.moveEvents!.run(to, from, JSON.stringify(identityKeys))
  }

  async recordMerge(merge: IdentityMerge): Promise<void> {
    this.s.dropLiveProfile!.run(merge.fromProfile)
    this.s.markMerged!.run(merge.intoProfile, merge.fromProfile)
    this.s.insertMerge!.run(merge.fromProfile, merge.intoProfile, merge.messageId, merge.at)
    this.s.moveDecisions!.run(merge.intoProfile, merge.fromProfile)
    this.s.copyMembers!.run(merge.intoProfile, merge.fromProfile)
    this.s.dropMembers!.run(merge.fromProfile)
    this.s.copyReach!.run(merge.intoProfile, merge.fromProfile)
    this.s.dropReach!.run(merge.fromProfile)
  }

  async recordConflicts(conflicts: IdentityConflict[], at: string): Promise<void> {
    for (const c of conflicts) this.s.insertConflict!.run(c.messageId, c.a, c.b, c.kind, c.reason, at)
  }

  async insertEvents(events: StoredEvent[]): Promise<void> {
    const stored: Database['events'][] = []
    for (const e of events) {
      const row = toEventRow(e)
      if (this.s.insertEvent!.run(row).changes === 1) stored.push(row)
      for (const term of e.nameTerms) this.s.insertTerm!.run(e.identityKey, term)
    }
    for (const count of countByDay(stored)) this.s.addEventCount!.run(count)
  }

  async quarantine(entries: NewQuarantineEntry[]): Promise<void> {
    for (const e of entries) this.s.insertQuarantine!.run(toQuarantineRow(e))
  }

  async insertConsent(rows: NewConsentRow[]): Promise<void> {
    for (const row of rows) this.s.insertConsent!.run(toConsentRow(row))
  }

  async appendAudit(entries: NewAuditEntry[]): Promise<void> {
    for (const e of entries) this.s.insertAudit!.run(toAuditRow(e))
  }

  async eraseProfile(profileId: string, suppressions: Suppression[]): Promise<ErasureReport> {
    const profiles = this.s.mergedInto!.all(profileId) as string[]
    const identifiers = this.s.identifiersOf!.all(profileId) as { key: string; value: string }[]
    const events = this.s.eventKeysOf!.all(profileId) as EventKey[]
    const plan = erasurePlan(profiles, identifiers, events)
    const report: ErasureReport = {}
    for (const step of plan) {
      const sql = step.sql
        .replace(/\{in:(\w+)\}/g, (_m, name: string) => `IN (SELECT value FROM json_each(@${name}))`)
        .replace(/(\w+) \{like:(\w+)\}/g, (_m, column: string, name: string) => `EXISTS (SELECT 1 FROM json_each(@${name}) WHERE ${column} LIKE value ESCAPE '\\')`)
      const used = [...step.sql.matchAll(/\{(?:in|like):(\w+)\}/g)].map((m) => m[1]!)
      const params = Object.fromEntries(used.map((name) => [name, JSON.stringify(step.lists[name] ?? [])]))
      report[step.table] = this.db.prepare(sql).run(params).changes
    }
    for (const s of suppressions) this.s.putSuppression!.run(s.hash, s.kind, s.erasedAt)
    this.erased = true
    return report
  }
}
