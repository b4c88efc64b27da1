import { createHmac } from 'node:crypto'
import type { ConsentChange, Suppression } from '../core/consent.js'
import { AppError } from '../core/errors.js'
import { identifierPriority, type IdentifierKind } from '../core/identifier.js'
import type { IdentifierRow, NewAuditEntry, NewConsentRow, Store } from '../store/store.js'
import { WriteQueue } from '../store/write-queue.js'
import { consentSummary, mayContact, type ConsentLedger, type ContactVerdict } from './may-contact.js'
import type { ChannelOrAll, ConsentPolicy } from './rules.js'
import { consentFigures, type FigureOptions } from './figures.js'

/**
 * Consent over the store: reads a person's ledger, answers `mayContact`, records changes
 * (group-committed: a resolved promise means the change is durable and every later read sees it).
 *
 * @example
 * const consent = new ConsentService(store, consentPolicy({ jurisdiction: 'DE' }))
 * const verdict = await consent.mayContact(profileId, 'marketing', 'email')
 */
export class ConsentService {
  private salt: Promise<string> | null = null
  private readonly changes: WriteQueue<{ rows: NewConsentRow[]; audit: NewAuditEntry[] }>

  constructor(
    private readonly store: Store,
    readonly policy: ConsentPolicy,
  ) {
    this.changes = new WriteQueue(store, async (tx, writes) => {
      await tx.insertConsent(writes.flatMap((w) => w.rows))
      await tx.appendAudit(writes.flatMap((w) => w.audit))
    })
  }

  /** Every consent record of the profile and the suppressions any of its identifiers carry. */
  async ledgerOf(profileId: string): Promise<ConsentLedger> {
    const [records, identifiers] = await Promise.all([this.store.consent.recordsOf(profileId), this.store.profiles.identifiersOf(profileId)])
    const hashes = await this.suppressionHashes(identifiers)
    const suppressions = await this.store.consent.findSuppressions(hashes.map((h) => h.hash))
    return { records, suppressions }
  }

  /** The one gate (see {@link mayContact}), for a stored profile. */
  async mayContact(profileId: string, purpose: string, channel: ChannelOrAll, at = new Date().toISOString()): Promise<ContactVerdict> {
    return mayContact(await this.ledgerOf(profileId), purpose, channel, at, this.policy)
  }

  async summary(profileId: string, at = new Date().toISOString()) {
    const ledger = await this.ledgerOf(profileId)
    return { at, jurisdiction: this.policy.jurisdiction, purposes: consentSummary(ledger, at, this.policy), history: ledger.records }
  }

  /** Records validated changes for a profile, with their audit lines in the same transaction; resolves when durable. */
  async record(profileId: string, changes: ConsentChange[], audit: NewAuditEntry[] = []): Promise<void> {
    const identifiers = await this.store.profiles.identifiersOf(profileId)
    const anchor = anchorOf(identifiers)
    if (!anchor) throw new AppError('PROFILE_NOT_FOUND', `profile "${profileId}" has no identifiers to attach consent to`)
    const recordedAt = new Date().toISOString()
    await this.changes.push([{ rows: changes.map((change) => ({ identityKey: anchor.key, change, recordedAt })), audit }])
  }

  /** Salted hashes of the identifiers a suppression covers (all but anonymous ids). */
  async suppressionHashes(identifiers: IdentifierRow[]): Promise<Omit<Suppression, 'erasedAt'>[]> {
    const salt = await (this.salt ??= this.store.consent.suppressionSalt())
    return identifiers.filter((i) => i.kind !== 'anonymousId').map((i) => ({ hash: suppressionHash(salt, i.kind, i.value), kind: i.kind }))
  }

  /** Consent figures over the whole store (see {@link consentFigures}). */
  async figures(opts: FigureOptions = {}) {
    const [records, firstSeen] = await Promise.all([this.store.consent.decisions(), this.store.events.firstSeenTimes()])
    return consentFigures(records, firstSeen, this.policy, opts)
  }
}

/** HMAC-SHA-256 of `kind:value` under the store's salt: equal identifiers match, the value cannot be read back. */
export function suppressionHash(salt: string, kind: string, value: string): string {
  return createHmac('sha256', salt).update(`${kind}:${value}`).digest('hex')
}

/** The identifier a profile's API consent changes hang on: the strongest one (userId first), so it follows the person. */
function anchorOf(identifiers: IdentifierRow[]): IdentifierRow | undefined {
  return [...identifiers].sort(
    (a, b) => identifierPriority(a.kind as IdentifierKind) - identifierPriority(b.kind as IdentifierKind) || a.firstSeen.localeCompare(b.firstSeen) || a.key.localeCompare(b.key),
  )[0]
}
