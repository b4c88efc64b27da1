import { sql, type Kysely } from 'kysely'
import { AppError } from '../core/errors.js'
import type { CollectedEvent } from '../core/event.js'
import type { IdentityConflict, IdentityMerge } from '../core/identity-link.js'
import { parseIdentifierKey } from '../core/identifier.js'
import { foldTraits, type Profile, type TraitSource } from '../core/profile.js'
import { roundTo } from '../core/values.js'
import { fromJsonText } from '../core/json-shape.js'
import { escapeLike, mentionPatterns } from './erasure-plan.js'
import { EVENT_KEY_SQL, eventKey } from './store.js'
import { personTraits } from './rows.js'
import { journeyEventPages, orderPages } from './journey-reads.js'
import { eventCounts, latestAggregate, putAggregate, storeCounts, type EventCount } from './aggregate-reads.js'
import { computedValuesOf, computedValuesOfKind, latestValueRun, putValueRun } from './value-runs.js'
import type { Database } from './schema.js'
import type { ConsentRecord, Suppression } from '../core/consent.js'
import type {
  ApiKeyRow,
  AuditEntry,
  ComputedValue,
  ConsentDecisionRow,
  EventKey,
  SpendRecord,
  JourneyEventRow,
  IdentifierRow,
  OrderRow,
  Page,
  ProfileSummary,
  QuarantineEntry,
  QuarantineSeverity,
  Source,
  Store,
  TimelineEvent,
  WriteTx,
} from './store.js'

/** The dialect's write side (`sqlite/sqlite-writer.ts`, `postgres/postgres-writer.ts`). */
export interface Writer {
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>
  /** Resolves when the clean-up after erasures (WAL truncation, VACUUM) is done. */
  settled(): Promise<void>
  /** Rewrites the tables erasures touch so that no freed byte is left in the files. */
  compact(): Promise<void>
  close?(): void | Promise<void>
}

/**
 * The Store over Kysely, shared by both dialects; `sqlite/` and `postgres/` only open the
 * connection and set the dialect's knobs.
 */
export class SqlStore implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly writer: Writer,
  ) {}

  async close(): Promise<void> {
    await this.writer.close?.()
    await this.db.destroy()
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.writer.write(fn)
  }

  settled(): Promise<void> {
    return this.writer.settled()
  }

  compact(): Promise<void> {
    return this.writer.compact()
  }

  async createSource(name: string, createdAt: string): Promise<Source> {
    await this.db.insertInto('sources').values({ name, created_at: createdAt }).execute()
    return { name, createdAt }
  }

  async listSources(): Promise<Source[]> {
    const rows = await this.db.selectFrom('sources').selectAll().orderBy('name').execute()
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at }))
  }

  async putApiKey(k: ApiKeyRow): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({ id: k.id, name: k.name, role: k.role, source: k.source, hash: k.hash, hint: k.hint, created_at: k.createdAt, revoked_at: k.revokedAt })
      .execute()
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRow | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst()
    return r ? toApiKey(r) : null
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toApiKey)
  }

  async revokeApiKey(id: string, at: string): Promise<boolean> {
    const exists = await this.db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst()
    if (!exists) return false
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute()
    return true
  }

  async consentRecordsOf(profileId: string): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consent_records')
      .selectAll()
      .where('identity_key', 'in', (eb) => eb.selectFrom('identifiers').select('key').where('profile_id', '=', profileId))
      .orderBy('occurred_at')
      .orderBy('id')
      .execute()
    return rows.map(toConsentRecord)
  }

  /** Consent records joined to the profile that holds each now. */
  private consentWithProfile() {
    return this.db.selectFrom('consent_records').innerJoin('identifiers', 'identifiers.key', 'consent_records.identity_key')
  }

  async listConsentRecords(): Promise<(ConsentRecord & { profileId: string })[]> {
    const rows = await this.consentWithProfile()
      .selectAll('consent_records')
      .select('identifiers.profile_id')
      .orderBy('consent_records.occurred_at')
      .orderBy('consent_records.id')
      .execute()
    return rows.map((r) => ({ ...toConsentRecord(r), profileId: r.profile_id }))
  }

  async listConsentDecisions(): Promise<ConsentDecisionRow[]> {
    const rows = await this.consentWithProfile()
      .select(['consent_records.id', 'identifiers.profile_id', 'consent_records.purpose', 'consent_records.channel', 'consent_records.state', 'consent_records.occurred_at', 'consent_records.recorded_at'])
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      profileId: r.profile_id,
      purpose: r.purpose,
      channel: r.channel as ConsentRecord['channel'],
      state: r.state as ConsentRecord['state'],
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
    }))
  }

  async profilesFirstSeen(): Promise<string[]> {
    const rows = await this.db.selectFrom('events').select((eb) => eb.fn.min('ts').as('first')).groupBy('profile_id').execute()
    return rows.map((r) => r.first).sort()
  }

  async findSuppressions(hashes: string[]): Promise<Suppression[]> {
    if (hashes.length === 0) return []
    const rows = await this.db.selectFrom('suppressions').selectAll().where('hash', 'in', hashes).execute()
    return rows.map((r) => ({ hash: r.hash, kind: r.kind, erasedAt: r.erased_at }))
  }

  async suppressionSalt(): Promise<string> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', 'suppression_salt').executeTakeFirstOrThrow()
    return row.value
  }

  async listAudit(opts: { limit: number; cursor?: string; profileId?: string }): Promise<Page<AuditEntry>> {
    let query = this.db.selectFrom('audit_log').selectAll()
    if (opts.profileId) query = query.where('profile_id', '=', opts.profileId)
    if (opts.cursor) query = query.where('id', '<', idCursor(opts.cursor))
    const rows = await query.orderBy('id', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map((r) => ({
      id: Number(r.id),
      at: r.at,
      keyId: r.key_id,
      actor: r.actor,
      role: r.role,
      action: r.action,
      profileId: r.profile_id,
      purpose: r.purpose,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }))
    return { items, nextCursor: rows.length > opts.limit ? String(items.at(-1)?.id) : null }
  }

  async quarantineOfPerson(events: EventKey[], values: string[]): Promise<QuarantineEntry[]> {
    const needles = mentionPatterns(values)
    const found = new Map<number, QuarantineEntry>()
    const take = (rows: QuarantineRow[]) => rows.forEach((r) => found.set(Number(r.id), toQuarantineEntry(r)))
    if (needles.length > 0) {
      take(await this.db.selectFrom('quarantine').selectAll().where((eb) => eb.or(needles.map((n) => sql<boolean>`raw like ${n} escape '\\'`))).execute())
    }
    // By (source, message id), in slices, so that a person with many events stays under SQLite's limit of bound parameters.
    const keys = events.map(eventKey)
    for (let i = 0; i < keys.length; i += 1000) {
      take(await this.db.selectFrom('quarantine').selectAll().where(sql.raw<string>(EVENT_KEY_SQL), 'in', keys.slice(i, i + 1000)).execute())
    }
    return [...found.values()].sort((a, b) => a.id - b.id)
  }

  async identifiersOf(profileId: string): Promise<IdentifierRow[]> {
    const rows = await this.db.selectFrom('identifiers').selectAll().where('profile_id', '=', profileId).orderBy('key').execute()
    return rows.map(toIdentifierRow)
  }

  async dumpTables(): Promise<Record<string, string>> {
    // Every table the database has (from its catalog), so that a table added later is searched too.
    // PostgreSQL's catalog spans every schema; this store's tables are those of its search path's first.
    const schema = this.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(this.db)).rows[0]?.s : undefined
    const tables = (await this.db.introspection.getTables())
      .filter((t) => (schema === undefined || t.schema === schema) && !t.name.startsWith('kysely_'))
      .map((t) => t.name)
    const out: Record<string, string> = {}
    for (const table of tables) out[table] = JSON.stringify(await this.db.selectFrom(table as keyof Database).selectAll().execute())
    return out
  }

  async resolveProfileId(profileId: string): Promise<string | null> {
    let id = profileId
    // A merge chain is short (each merge points at a live profile at the time), but never loop forever.
    for (let hop = 0; hop < 64; hop++) {
      const row = await this.db.selectFrom('profiles').select('merged_into').where('id', '=', id).executeTakeFirst()
      if (!row) return null
      if (row.merged_into === null) return id
      id = row.merged_into
    }
    throw new Error(`merge chain of profile ${profileId} is longer than 64 hops`)
  }

  async findProfileIdByIdentifier(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('identifiers').select('profile_id').where('key', '=', key).executeTakeFirst()
    return row?.profile_id ?? null
  }

  async getProfile(profileId: string): Promise<Profile | null> {
    const id = await this.resolveProfileId(profileId)
    if (id === null) return null
    const [identifiers, byTypeChannel, orders, traitRows, merges, computed] = await Promise.all([
      this.db.selectFrom('identifiers').select(['kind', 'value']).where('profile_id', '=', id).orderBy('key').execute(),
      this.db
        .selectFrom('events')
        .select(['type', 'channel'])
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('ts').as('first'), eb.fn.max('ts').as('last')])
        .where('profile_id', '=', id)
        .groupBy(['type', 'channel'])
        .execute(),
      this.db
        .selectFrom('events')
        .select('currency')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string>('revenue').as('revenue')])
        .where('profile_id', '=', id)
        .where('event', '=', 'Order Completed')
        .groupBy('currency')
        .execute(),
      this.db
        .selectFrom('events')
        .select(['ts', 'message_id', 'source', 'payload'])
        .where('profile_id', '=', id)
        .where('has_traits', '=', 1)
        .execute(),
      this.listMerges(id),
      this.getComputedValues(id),
    ])
    const profile: Profile = {
      id,
      identifiers: identifiers.map((r) => parseIdentifierKey(`${r.kind}:${r.value}`)),
      traits: foldTraits(traitRows.map(toTraitSource)),
      firstSeen: null,
      lastSeen: null,
      eventCount: 0,
      eventsByType: {},
      eventsByChannel: {},
      orders: { count: 0, revenueByCurrency: {} },
      mergedFrom: merges.map((m) => m.fromProfile),
      computed: Object.fromEntries(computed.map((c) => [c.kind, { computedAt: c.computedAt, ...c.data }])),
    }
    for (const row of byTypeChannel) {
      const n = Number(row.n)
      profile.eventCount += n
      profile.eventsByType[row.type] = (profile.eventsByType[row.type] ?? 0) + n
      profile.eventsByChannel[row.channel] = (profile.eventsByChannel[row.channel] ?? 0) + n
      if (profile.firstSeen === null || row.first < profile.firstSeen) profile.firstSeen = row.first
      if (profile.lastSeen === null || row.last > profile.lastSeen) profile.lastSeen = row.last
    }
    for (const row of orders) {
      profile.orders.count += Number(row.n)
      const currency = row.currency ?? 'unknown'
      profile.orders.revenueByCurrency[currency] = roundTo(Number(row.revenue ?? 0), 2)
    }
    return profile
  }

  async listProfileEvents(profileId: string, opts: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>> {
    let query = this.db
      .selectFrom('events')
      .select(['message_id', 'type', 'event', 'ts', 'source', 'channel', 'payload'])
      .where('profile_id', '=', profileId)
    if (opts.cursor) {
      const [ts, messageId, source] = decodeCursor(opts.cursor)
      query = query.where(sql<boolean>`(ts, message_id, source) < (${ts}, ${messageId}, ${source})`)
    }
    // Message ids are unique per source only: the source breaks the last tie, so a page never skips an event.
    const rows = await query.orderBy('ts', 'desc').orderBy('message_id', 'desc').orderBy('source', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map((r) => ({
      messageId: r.message_id,
      type: r.type,
      event: r.event,
      timestamp: r.ts,
      source: r.source,
      channel: r.channel,
      payload: JSON.parse(r.payload) as CollectedEvent,
    }))
    const last = items.at(-1)
    return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor([last.timestamp, last.messageId, last.source]) : null }
  }

  async searchProfiles(query: string, limit: number): Promise<ProfileSummary[]> {
    const text = query.trim().toLowerCase()
    const prefix = `${escapeLike(text)}%`
    // Emails and name terms are stored lower-cased. In SQLite, whose text order is byte order, a
    // range from the prefix lets the primary keys find the matches (its LIKE cannot use an index
    // here); PostgreSQL's order follows the database's collation, so there LIKE alone decides.
    const inRange = this.dialect === 'sqlite'
    const byEmail = this.db
      .selectFrom('identifiers')
      .select('profile_id')
      .where('kind', '=', 'email')
      .where(sql<boolean>`value like ${prefix} escape '\\'`)
      .$if(inRange, (q) => q.where('key', '>=', `email:${text}`).where('key', '<', `email:${text}${LAST_CHARACTER}`))
    const byName = this.db
      .selectFrom('name_terms')
      .innerJoin('identifiers', 'identifiers.key', 'name_terms.identity_key')
      .select('identifiers.profile_id')
      .where(sql<boolean>`term like ${prefix} escape '\\'`)
      .$if(inRange, (q) => q.where('term', '>=', text).where('term', '<', `${text}${LAST_CHARACTER}`))
    const ids = (await byEmail.union(byName).limit(limit).execute()).map((r) => r.profile_id)
    if (ids.length === 0) return []
    // Two queries for all hits: their emails, and the events that carry traits (for the name).
    const [emails, traitRows] = await Promise.all([
      this.db.selectFrom('identifiers').select(['profile_id', 'value']).where('kind', '=', 'email').where('profile_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('events').select(['profile_id', 'ts', 'message_id', 'source', 'payload']).where('has_traits', '=', 1).where('profile_id', 'in', ids).execute(),
    ])
    return ids.map((id) => ({
      id,
      email: emails.find((e) => e.profile_id === id)?.value ?? null,
      name: displayName(foldTraits(traitRows.filter((r) => r.profile_id === id).map(toTraitSource))),
    }))
  }

  async listMerges(profileId: string): Promise<IdentityMerge[]> {
    const rows = await this.db.selectFrom('identity_merges').selectAll().where('into_profile', '=', profileId).orderBy('id').execute()
    return rows.map((r) => ({ fromProfile: r.from_profile, intoProfile: r.into_profile, messageId: r.message_id, at: r.at }))
  }

  async listConflicts(limit: number): Promise<(IdentityConflict & { at: string })[]> {
    const rows = await this.db.selectFrom('identity_conflicts').selectAll().orderBy('at', 'desc').limit(limit).execute()
    return rows.map((r) => ({
      messageId: r.message_id,
      a: r.a,
      b: r.b,
      kind: r.kind,
      reason: r.reason as IdentityConflict['reason'],
      at: r.at,
    }))
  }

  async listQuarantine(opts: { limit: number; cursor?: string; source?: string; severity?: QuarantineSeverity }): Promise<Page<QuarantineEntry>> {
    let query = this.db.selectFrom('quarantine').selectAll()
    if (opts.source) query = query.where('source', '=', opts.source)
    if (opts.severity) query = query.where('severity', '=', opts.severity)
    if (opts.cursor) query = query.where('id', '<', idCursor(opts.cursor))
    const rows = await query.orderBy('id', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map(toQuarantineEntry)
    return { items, nextCursor: rows.length > opts.limit ? String(items.at(-1)?.id) : null }
  }

  counts(): Promise<{ events: number; profiles: number; quarantined: number; warnings: number }> {
    return storeCounts(this.db)
  }

  eventCounts(opts: { from?: string; to?: string }): Promise<EventCount[]> {
    return eventCounts(this.db, opts)
  }

  putAggregate(kind: string, computedAt: string, data: unknown): Promise<void> {
    return putAggregate(this.db, kind, computedAt, data)
  }

  latestAggregate(kind: string): Promise<{ computedAt: string; data: unknown } | null> {
    return latestAggregate(this.db, kind)
  }

  orderPages(opts: { pageRows?: number } = {}): AsyncIterable<OrderRow[]> {
    return orderPages(this.db, opts)
  }

  journeyEventPages(opts: { from?: string; to?: string; pageRows?: number }): AsyncIterable<JourneyEventRow[]> {
    return journeyEventPages(this.db, opts)
  }

  async putSpend(rows: SpendRecord[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('spend')
          .values(rows.slice(i, i + 1000).map((r) => ({ day: r.date, channel: r.channel, campaign: r.campaign, cost: r.cost })))
          .onConflict((oc) => oc.columns(['day', 'channel', 'campaign']).doUpdateSet((eb) => ({ cost: eb.ref('excluded.cost') })))
          .execute()
      }
    })
  }

  async listSpend(): Promise<SpendRecord[]> {
    const rows = await this.db.selectFrom('spend').selectAll().orderBy('day').orderBy('channel').orderBy('campaign').execute()
    return rows.map((r) => ({ date: r.day, channel: r.channel, campaign: r.campaign, cost: Number(r.cost) }))
  }

  putValueRun(run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void> {
    return putValueRun(this.db, run, values)
  }

  getComputedValues(profileId: string): Promise<ComputedValue[]> {
    return computedValuesOf(this.db, profileId)
  }

  listComputedValues(kind: string): Promise<ComputedValue[]> {
    return computedValuesOfKind(this.db, kind)
  }

  latestValueRun(): Promise<{ computedAt: string; data: Record<string, unknown> } | null> {
    return latestValueRun(this.db)
  }

  async listIdentifiers(): Promise<IdentifierRow[]> {
    const rows = await this.db.selectFrom('identifiers').selectAll().orderBy('key').execute()
    return rows.map(toIdentifierRow)
  }
}

function toTraitSource(row: { ts: string; message_id: string; source: string; payload: string }): TraitSource {
  const payload = JSON.parse(row.payload) as CollectedEvent
  return { timestamp: row.ts, messageId: row.message_id, source: row.source, traits: personTraits(payload) ?? {} }
}

type QuarantineRow = Omit<Database['quarantine'], 'id'> & { id: number | string }

function toQuarantineEntry(r: QuarantineRow): QuarantineEntry {
  return { id: Number(r.id), source: r.source, receivedAt: r.received_at, messageId: r.message_id, reason: r.reason, severity: r.severity, raw: fromJsonText(r.raw) }
}

function toApiKey(r: Database['api_keys']): ApiKeyRow {
  return { id: r.id, name: r.name, role: r.role as ApiKeyRow['role'], source: r.source, hash: r.hash, hint: r.hint, createdAt: r.created_at, revokedAt: r.revoked_at }
}

type ConsentRow = Omit<Database['consent_records'], 'id'> & { id: number | string }

function toConsentRecord(r: ConsentRow): ConsentRecord {
  return {
    id: Number(r.id),
    purpose: r.purpose,
    channel: r.channel as ConsentRecord['channel'],
    state: r.state as ConsentRecord['state'],
    legalBasis: r.legal_basis as ConsentRecord['legalBasis'],
    source: r.source,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    evidence: r.evidence === null ? null : (JSON.parse(r.evidence) as ConsentRecord['evidence']),
    messageId: r.message_id,
  }
}

function toIdentifierRow(r: Database['identifiers']): IdentifierRow {
  return { key: r.key, kind: r.kind, value: r.value, profileId: r.profile_id, firstSeen: r.first_seen }
}

function displayName(traits: Profile['traits']): string | null {
  const t = (k: string) => (typeof traits[k]?.value === 'string' ? (traits[k]!.value as string) : null)
  return t('name') ?? ([t('firstName') ?? t('first_name'), t('lastName') ?? t('last_name')].filter(Boolean).join(' ') || null)
}

function encodeCursor(position: [ts: string, messageId: string, source: string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/** The id a page of an id-ordered list (quarantine, audit) continues below. */
function idCursor(cursor: string): number {
  const before = Number(cursor)
  if (!Number.isInteger(before)) throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`)
  return before
}

function decodeCursor(cursor: string): [ts: string, messageId: string, source: string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) return parsed as [string, string, string]
  } catch (err) {
    throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`, { cause: err })
  }
  throw new AppError('REQUEST_INVALID', `cursor must be one this API gave out, got "${cursor}"`)
}

/** The highest code point: every string that starts with a prefix sorts below prefix + this, in byte order. */
const LAST_CHARACTER = '\u{10FFFF}'

