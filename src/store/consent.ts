import type { Kysely } from 'kysely'
import type { ConsentChange, ConsentRecord, Suppression } from '../core/consent.js'
import type { Database } from './schema.js'

/** A consent change to store, attached to the identifier that decided it. */
export interface NewConsentRow {
  identityKey: string
  change: ConsentChange
  recordedAt: string
}

/** A consent decision as the figures read it. */
export type ConsentDecisionRow = Pick<ConsentRecord, 'id' | 'purpose' | 'channel' | 'state' | 'occurredAt' | 'recordedAt'> & { profileId: string }

/** The consent ledger and the suppression list of erased people. Consent is written through the single writer (`WriteTx.insertConsent`). */
export interface ConsentStore {
  /** The consent ledger of a profile: the records of all its identifiers, oldest first. */
  recordsOf(profileId: string): Promise<ConsentRecord[]>
  /** Every consent record with the profile that holds it now, oldest first. */
  records(): Promise<(ConsentRecord & { profileId: string })[]>
  /** Every consent decision with the profile that holds it now, lean (no evidence), in no order: what the figures read. */
  decisions(): Promise<ConsentDecisionRow[]>
  findSuppressions(hashes: string[]): Promise<Suppression[]>
  /** The store's own random salt for suppression hashes (made once, at migration). */
  suppressionSalt(): Promise<string>
}

export class SqlConsentStore implements ConsentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async recordsOf(profileId: string): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consent_records')
      .selectAll()
      .where('identity_key', 'in', (eb) => eb.selectFrom('identifiers').select('key').where('profile_id', '=', profileId))
      .orderBy('occurred_at')
      .orderBy('id')
      .execute()
    return rows.map(toConsentRecord)
  }

  async records(): Promise<(ConsentRecord & { profileId: string })[]> {
    const rows = await this.withProfile()
      .selectAll('consent_records')
      .select('identifiers.profile_id')
      .orderBy('consent_records.occurred_at')
      .orderBy('consent_records.id')
      .execute()
    return rows.map((r) => ({ ...toConsentRecord(r), profileId: r.profile_id }))
  }

  async decisions(): Promise<ConsentDecisionRow[]> {
    const rows = await this.withProfile()
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

  async findSuppressions(hashes: string[]): Promise<Suppression[]> {
    if (hashes.length === 0) return []
    const rows = await this.db.selectFrom('suppressions').selectAll().where('hash', 'in', hashes).execute()
    return rows.map((r) => ({ hash: r.hash, kind: r.kind, erasedAt: r.erased_at }))
  }

  async suppressionSalt(): Promise<string> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', 'suppression_salt').executeTakeFirstOrThrow()
    return row.value
  }

  /** Consent records joined to the profile that holds each now. */
  private withProfile() {
    return this.db.selectFrom('consent_records').innerJoin('identifiers', 'identifiers.key', 'consent_records.identity_key')
  }
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
