import type { CollectedEvent } from '../core/event.js'
import type { Database } from './schema.js'
import type { NewAuditEntry, NewConsentRow, NewQuarantineEntry, StoredEvent } from './store.js'
import { toJsonText } from '../core/json-shape.js'
import { isPlainObject } from '../core/values.js'

/** The events row of a stored event; the payload keeps everything but the derived identifiers. */
export function toEventRow({ event: e, profileId, identityKey }: StoredEvent): Database['events'] {
  const { identifiers: _derived, ...payload } = e
  return {
    message_id: e.messageId,
    profile_id: profileId,
    identity_key: identityKey,
    type: e.type,
    event: e.event,
    ts: e.timestamp,
    received_at: e.receivedAt,
    source: e.source,
    channel: e.channel,
    user_id: e.userId,
    anonymous_id: e.anonymousId,
    has_traits: personTraits(e) === null ? 0 : 1,
    revenue: e.revenue,
    cost: e.cost,
    currency: e.currency,
    ...campaignColumns(e),
    payload: JSON.stringify(payload),
  }
}

/** The campaign context (UTM) and referrer an event carries, as attribution reads them: non-empty strings only. */
export function campaignColumns(e: Pick<CollectedEvent, 'context'>): Pick<Database['events'], 'utm_source' | 'utm_medium' | 'utm_campaign' | 'referrer'> {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)
  const campaign = isPlainObject(e.context.campaign) ? e.context.campaign : {}
  const page = isPlainObject(e.context.page) ? e.context.page : {}
  return { utm_source: text(campaign.source), utm_medium: text(campaign.medium), utm_campaign: text(campaign.name), referrer: text(page.referrer) }
}

/** The person's traits an event carries: identify's traits plus context.traits (group traits describe the account). */
export function personTraits(e: Pick<CollectedEvent, 'type' | 'traits' | 'context'>): Record<string, unknown> | null {
  const contextTraits = isPlainObject(e.context.traits) ? e.context.traits : {}
  const traits = e.type === 'identify' ? { ...contextTraits, ...e.traits } : contextTraits
  return Object.keys(traits).length > 0 ? traits : null
}

/** The consent_records row of a consent change (the id is the database's). */
export function toConsentRow({ identityKey, change: c, recordedAt }: NewConsentRow): Omit<Database['consent_records'], 'id'> {
  return {
    identity_key: identityKey,
    purpose: c.purpose,
    channel: c.channel,
    state: c.state,
    legal_basis: c.legalBasis,
    source: c.source,
    occurred_at: c.occurredAt,
    recorded_at: recordedAt,
    evidence: c.evidence === null ? null : JSON.stringify(c.evidence),
    message_id: c.messageId,
  }
}

/**
 * The quarantine row of a rejected message. The payload is kept whole as JSON text (any depth;
 * a NUL inside it is escaped by JSON); the message id and reason columns are plain text, which in
 * PostgreSQL cannot hold U+0000, so a NUL there is shown as U+FFFD.
 */
export function toQuarantineRow(e: NewQuarantineEntry): Omit<Database['quarantine'], 'id'> {
  return {
    source: e.source,
    received_at: e.receivedAt,
    message_id: e.messageId === null ? null : withoutNul(e.messageId),
    reason: withoutNul(e.reason),
    raw: toJsonText(e.raw),
    severity: e.severity ?? 'rejected',
  }
}

function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '\ufffd')
}

/** The audit_log row of an audit entry (the id is the database's). */
export function toAuditRow(e: NewAuditEntry): Omit<Database['audit_log'], 'id'> {
  return { at: e.at, key_id: e.keyId, actor: e.actor, role: e.role, action: e.action, profile_id: e.profileId, purpose: e.purpose, detail: JSON.stringify(e.detail) }
}

/** Events per (UTC day, source, channel, type), as event_counts keeps them. */
export function countByDay(rows: readonly Pick<Database['events'], 'ts' | 'source' | 'channel' | 'type'>[]): { day: string; source: string; channel: string; type: string; n: number }[] {
  const counts = new Map<string, { day: string; source: string; channel: string; type: string; n: number }>()
  for (const r of rows) {
    const day = r.ts.slice(0, 10)
    const key = JSON.stringify([day, r.source, r.channel, r.type])
    const acc = counts.get(key)
    if (acc) acc.n++
    else counts.set(key, { day, source: r.source, channel: r.channel, type: r.type, n: 1 })
  }
  return [...counts.values()]
}
