import type { JourneyEventRow } from '../core/journey-event.js'
import type { ComputedValue, OrderRow } from '../core/computed.js'
import type { CollectedEvent } from '../core/event.js'
import type { IdentityConflict, IdentityLink, IdentityMerge } from '../core/identity-link.js'
import type { Profile } from '../core/profile.js'
import type { ConsentChange, ConsentRecord, Suppression } from '../core/consent.js'
import type { ApiKey as ApiKeyRow } from '../core/api-key.js'
import type { EventCount } from './aggregate-reads.js'

export type { EventCount } from './aggregate-reads.js'

export interface Source {
  name: string
  createdAt: string
}

export type { ApiKey as ApiKeyRow } from '../core/api-key.js'

/** One line of the audit log: who (key), what (action), whose data (profile), when, what for. */
export interface NewAuditEntry {
  at: string
  keyId: string | null
  actor: string
  role: string
  action: string
  profileId: string | null
  purpose: string
  detail: Record<string, unknown>
}

export interface AuditEntry extends NewAuditEntry {
  id: number
}

/** A consent change to store, attached to the identifier that decided it. */
export interface NewConsentRow {
  identityKey: string
  change: ConsentChange
  recordedAt: string
}

/** A consent decision as the figures read it. */
export type ConsentDecisionRow = Pick<ConsentRecord, 'id' | 'purpose' | 'channel' | 'state' | 'occurredAt' | 'recordedAt'> & { profileId: string }

/** What an erasure removed, by table. */
export type ErasureReport = Record<string, number>

/** An event ready to store: the collected event, the profile it belongs to and the identifier that decided it. */
export interface StoredEvent {
  event: CollectedEvent
  profileId: string
  identityKey: string
  /** Lower-cased names found in its traits, for profile search. */
  nameTerms: string[]
}

export interface IdentifierRow {
  key: string
  kind: string
  value: string
  profileId: string
  firstSeen: string
}

/** 'rejected': the message was not stored; 'warning': it was stored, with a data-quality problem. */
export type QuarantineSeverity = 'rejected' | 'warning'

export interface QuarantineEntry {
  id: number
  source: string
  receivedAt: string
  messageId: string | null
  reason: string
  severity: QuarantineSeverity
  raw: unknown
}

export interface NewQuarantineEntry {
  source: string
  receivedAt: string
  messageId: string | null
  reason: string
  /** Default 'rejected'. */
  severity?: QuarantineSeverity
  raw: unknown
}

export interface TimelineEvent {
  messageId: string
  type: string
  event: string | null
  timestamp: string
  source: string
  channel: string
  payload: CollectedEvent
}

export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export type { JourneyEventRow, OrderRow, ComputedValue }

/** Marketing spend of one day on one channel and campaign. */
export interface SpendRecord {
  date: string
  channel: string
  campaign: string
  cost: number
}

export interface ProfileSummary {
  id: string
  email: string | null
  name: string | null
}

/** What makes an event unique: its message id within its source. */
export interface EventKey {
  source: string
  messageId: string
}

/**
 * One string per (source, messageId), for sets and maps, and the same text in SQL
 * ({@link EVENT_KEY_SQL}): source names cannot hold a `/` (collect/sources.ts), so it splits back
 * unambiguously.
 */
export function eventKey(k: EventKey): string {
  return `${k.source}/${k.messageId}`
}

/** {@link eventKey} of a row with `source` and `message_id` columns, in SQL both dialects read alike. */
export const EVENT_KEY_SQL = "(source || '/' || message_id)"

/**
 * The identity and event writes of one ingest batch, all inside one transaction.
 * Only the ingest writer calls these; it is the single writer of a store.
 */
export interface WriteTx {
  /** Which of these (source, messageId) pairs are stored already, as {@link eventKey}s. */
  existingEvents(keys: EventKey[]): Promise<Set<string>>
  profilesOf(keys: string[]): Promise<Map<string, string>>
  /** Links that touch any of the keys. */
  linksTouching(keys: string[]): Promise<IdentityLink[]>
  /** Stores each link unless an earlier sighting of its pair is stored. */
  upsertLinks(links: IdentityLink[]): Promise<void>
  createProfiles(ids: string[], createdAt: string): Promise<void>
  /** Inserts identifiers or moves them to another profile. */
  putIdentifiers(rows: IdentifierRow[]): Promise<void>
  /**
   * Moves the stored events decided by these identifier keys from the profile they are in now to
   * another. Naming the old profile lets the (profile, time) index find them, so events need no
   * index by identifier of their own (migration 0007).
   */
  moveEvents(identityKeys: string[], from: string, to: string): Promise<void>
  recordMerge(merge: IdentityMerge): Promise<void>
  recordConflicts(conflicts: IdentityConflict[], at: string): Promise<void>
  insertEvents(events: StoredEvent[]): Promise<void>
  quarantine(entries: NewQuarantineEntry[]): Promise<void>
  insertConsent(rows: NewConsentRow[]): Promise<void>
  appendAudit(entries: NewAuditEntry[]): Promise<void>
  /**
   * Removes everything held about a profile and the profiles merged into it: events, identifiers,
   * links, conflicts, merges, name terms, consent records, computed values, and quarantined payloads
   * that carry its message ids or identifier values; then stores the suppressions.
   */
  eraseProfile(profileId: string, suppressions: Suppression[]): Promise<ErasureReport>
}

/** Everything salestwin keeps. SQLite and PostgreSQL implement it; only src/store/ knows SQL. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  close(): Promise<void>
  /** Runs `fn` in one transaction; a resolved promise means the writes are durable. */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>
  /**
   * Resolves when the clean-up that follows an erasure has run: SQLite's WAL truncated, PostgreSQL's
   * touched tables vacuumed (docs/privacy.md). Erasure itself is committed before.
   */
  settled(): Promise<void>
  /**
   * Rewrites the files of the tables erasures touch (SQLite VACUUM, PostgreSQL VACUUM FULL), so that
   * no byte of a deleted row stays in free space; `salestwin privacy compact`.
   */
  compact(): Promise<void>

  createSource(name: string, createdAt: string): Promise<Source>
  listSources(): Promise<Source[]>

  putApiKey(key: ApiKeyRow): Promise<void>
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | null>
  listApiKeys(): Promise<ApiKeyRow[]>
  /** Marks a key revoked; false when no key has the id. */
  revokeApiKey(id: string, at: string): Promise<boolean>

  /** The consent ledger of a profile: the records of all its identifiers, oldest first. */
  consentRecordsOf(profileId: string): Promise<ConsentRecord[]>
  /** Every consent record with the profile that holds it now, oldest first. */
  listConsentRecords(): Promise<(ConsentRecord & { profileId: string })[]>
  /** Every consent decision with the profile that holds it now, lean (no evidence), in no order: what the figures read. */
  listConsentDecisions(): Promise<ConsentDecisionRow[]>
  /** Each profile's first event time, sorted: who counts as a customer when. */
  profilesFirstSeen(): Promise<string[]>
  findSuppressions(hashes: string[]): Promise<Suppression[]>
  /** The store's own random salt for suppression hashes (made once, at migration). */
  suppressionSalt(): Promise<string>
  listAudit(opts: { limit: number; cursor?: string; profileId?: string }): Promise<Page<AuditEntry>>
  /** Quarantined entries that carry one of the events' (source, message id) or mention one of the values. */
  quarantineOfPerson(events: EventKey[], values: string[]): Promise<QuarantineEntry[]>

  /** Follows merges: the id of the profile that now holds `profileId`, or null. */
  resolveProfileId(profileId: string): Promise<string | null>
  findProfileIdByIdentifier(key: string): Promise<string | null>
  getProfile(profileId: string): Promise<Profile | null>
  listProfileEvents(profileId: string, opts: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>>
  searchProfiles(query: string, limit: number): Promise<ProfileSummary[]>
  listMerges(profileId: string): Promise<IdentityMerge[]>
  listConflicts(limit: number): Promise<(IdentityConflict & { at: string })[]>
  listQuarantine(opts: { limit: number; cursor?: string; source?: string; severity?: QuarantineSeverity }): Promise<Page<QuarantineEntry>>
  /** Stored events, live profiles, rejected messages (quarantined) and data-quality warnings, from running counts. */
  counts(): Promise<{ events: number; profiles: number; quarantined: number; warnings: number }>
  /** Events per UTC day, source, channel and type within [from, to) (YYYY-MM-DD), from running counts. */
  eventCounts(opts: { from?: string; to?: string }): Promise<EventCount[]>
  /** Keeps the latest result of a periodic refresh of this kind (attribution, consent figures). */
  putAggregate(kind: string, computedAt: string, data: unknown): Promise<void>
  latestAggregate(kind: string): Promise<{ computedAt: string; data: unknown } | null>
  /** Every order with a revenue, by the profile that holds it now, ordered by profile and time, in pages. */
  orderPages(opts?: { pageRows?: number }): AsyncIterable<OrderRow[]>
  /**
   * Stores a value refresh: its values (in pages) beside the current run's, then its summary, which
   * makes them current at once. Until then reads see the previous run; a run that fails halfway
   * leaves it in place. Older runs' values are deleted after.
   */
  putValueRun(run: { computedAt: string; data: Record<string, unknown> }, values: Iterable<ComputedValue[]>): Promise<void>
  /** The current run's computed values of a profile. */
  getComputedValues(profileId: string): Promise<ComputedValue[]>
  /** Every profile's computed value of a kind in the current run, by profile id. */
  listComputedValues(kind: string): Promise<ComputedValue[]>
  latestValueRun(): Promise<{ computedAt: string; data: Record<string, unknown> } | null>
  /** Events for journeys (columns, no payload), ordered by profile and time, optionally within [from, to), in pages. */
  journeyEventPages(opts: { from?: string; to?: string; pageRows?: number }): AsyncIterable<JourneyEventRow[]>
  /** Replaces the spend of the given days, channels and campaigns; all rows or none. */
  putSpend(rows: SpendRecord[]): Promise<void>
  listSpend(): Promise<SpendRecord[]>
  /** Every identifier with its profile; for tests and exports of the identity graph. */
  listIdentifiers(): Promise<IdentifierRow[]>
  identifiersOf(profileId: string): Promise<IdentifierRow[]>
  /** Every row of every table, as JSON text per table: for the erasure test that searches them all. */
  dumpTables(): Promise<Record<string, string>>
}
