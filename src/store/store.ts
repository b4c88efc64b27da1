import type { IdentityConflict, IdentityLink, IdentityMerge } from '../core/identity-link.js'
import type { Suppression } from '../core/consent.js'
import type { CollectedEvent } from '../core/event.js'
import type { AccessStore, NewAuditEntry } from './access.js'
import type { ConsentStore, NewConsentRow } from './consent.js'
import type { EventKey, EventStore, NewQuarantineEntry } from './events.js'
import type { JourneyStore } from './journeys.js'
import type { IdentifierRow, ProfileStore } from './profiles.js'
import type { ResultStore } from './results.js'
import type { ValueStore } from './value-runs.js'
import type { DecisionStore } from './decisions.js'
import type { DecisionWrites } from './decision-writes.js'
import type { LearningWrites } from './learning-writes.js'
import type { DeliveryStore } from './deliveries.js'

export type { AccessStore, ApiKeyRow, AuditEntry, NewAuditEntry, Source } from './access.js'
export type { ConsentDecisionRow, ConsentStore, NewConsentRow } from './consent.js'
export { EVENT_KEY_SQL, eventKey } from './events.js'
export type { EventCount, EventKey, EventStore, NewQuarantineEntry, QuarantineEntry, QuarantineSeverity, TimelineEvent } from './events.js'
export type { JourneyStore, SpendRecord } from './journeys.js'
export type { Page } from './page.js'
export type { IdentifierRow, ProfileStore, ProfileSummary } from './profiles.js'
export type { ResultStore } from './results.js'
export type { ValueStore } from './value-runs.js'
export type { CatalogVersion, DecisionRow, DecisionStore, OutcomeRow, StoredDecision } from './decisions.js'
export type { DecisionWrites } from './decision-writes.js'
export type { ExampleRow, LearnerRow, LearningWrites, UnfoldedExample } from './learning-writes.js'
export type { Delivery, DeliveryRow, DeliveryStatus, DeliveryStore } from './deliveries.js'
export type { JourneyEventRow } from '../core/journey-event.js'
export type { ComputedValue, OrderRow } from '../core/computed.js'

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

/**
 * The identity and event writes of one ingest batch, all inside one transaction.
 * Only the single writer calls these: ingest, and decide's decisions, outcomes and campaign reservations.
 */
export interface WriteTx extends DecisionWrites, LearningWrites {
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

/**
 * Everything salestwin keeps, by aggregate: each part is a small interface in its own file with its
 * SQL beside it (docs/architecture.md). Callers take the part they need (`Pick<Store, 'profiles'>`
 * or the part's interface). All writes of ingest go through `write` — the single writer; the parts
 * read, and write only what the single writer does not (keys, sources, value runs, kept results).
 * SQLite and PostgreSQL implement it; only src/store/ knows SQL.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  readonly profiles: ProfileStore
  readonly events: EventStore
  readonly consent: ConsentStore
  readonly access: AccessStore
  readonly values: ValueStore
  readonly results: ResultStore
  readonly journeys: JourneyStore
  readonly decisions: DecisionStore
  readonly deliveries: DeliveryStore
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
  /** Every row of every table, as JSON text per table: for the erasure test that searches them all. */
  dumpTables(): Promise<Record<string, string>>
}
