import type { CollectedEvent } from '../core/event.js'
import { identifierKey } from '../core/identifier.js'
import type { IdentityPolicy } from '../identity/identity-graph.js'
import { eventKey, type NewAuditEntry, type NewQuarantineEntry, type StoredEvent, type WriteTx } from '../store/store.js'
import { applyIdentities } from './apply-identity.js'

/** `accepted`: durable in the event log, applied to the store behind it (log mode, issue 13). */
export type WriteStatus = 'stored' | 'duplicate' | 'accepted'

/** Who sent an event, for the audit line of the consent changes it carries. */
export interface EventSender {
  keyId: string | null
  name: string
}

/** The sender of events that came in without a key (imports, the demo): their source. */
export function sourceSender(source: string): EventSender {
  return { keyId: null, name: `source:${source}` }
}

/**
 * Writes one batch inside a transaction: skips events already stored, by (source, messageId) (retries are safe),
 * resolves identities, stores the events and quarantines the rejected ones, and the data-quality
 * warnings of the events it stores.
 * Returns the status of each event, by position, and the events stored with their profiles.
 */
export async function writeBatch(
  tx: WriteTx,
  events: CollectedEvent[],
  rejected: NewQuarantineEntry[],
  policy: IdentityPolicy,
  senders: EventSender[] = [],
  warned: NewQuarantineEntry[][] = [],
  opts: { consentAtDoor?: boolean } = {},
): Promise<{ statuses: WriteStatus[]; stored: StoredEvent[] }> {
  const existing = await tx.existingEvents(events)
  const seen = new Set<string>()
  const statuses: WriteStatus[] = []
  const fresh: CollectedEvent[] = []
  const freshSenders: (EventSender | undefined)[] = []
  const quarantined = [...rejected]
  events.forEach((e, i) => {
    const key = eventKey(e)
    const isDuplicate = existing.has(key) || seen.has(key)
    seen.add(key)
    statuses.push(isDuplicate ? 'duplicate' : 'stored')
    if (!isDuplicate) {
      fresh.push(e)
      freshSenders.push(senders[i])
      quarantined.push(...(warned[i] ?? []))
    }
  })
  const decided = fresh.length > 0 ? await applyIdentities(tx, fresh, policy) : []
  const rows: StoredEvent[] = fresh.map((event, i) => ({ event, ...decided[i]!, nameTerms: nameTerms(event) }))
  await tx.insertEvents(rows)
  // Behind an event log, the consent an event carries was recorded at the door, before its 2xx (consentAtTheDoor).
  const consent = opts.consentAtDoor ? [] : rows.flatMap((r) => r.event.consent.map((change) => ({ identityKey: r.identityKey, change, recordedAt: r.event.receivedAt })))
  if (consent.length > 0) {
    await tx.insertConsent(consent)
    // Every consent change is audited, also the ones that arrive on events, in the same transaction.
    await tx.appendAudit(
      rows.flatMap((r, i) => (r.event.consent.length === 0 ? [] : [consentAudit(r.event, r.profileId, freshSenders[i] ?? sourceSender(r.event.source))])),
    )
  }
  if (quarantined.length > 0) await tx.quarantine(quarantined)
  return { statuses, stored: rows }
}

/**
 * The consent changes of events that are not processed yet (they wait in the event log): recorded in
 * the ledger under every identifier each event carries, with their audit lines, in one transaction
 * before the events are acknowledged. Whichever profile the processor later puts the event in — or
 * links to one of its identifiers — holds these identifiers, so its ledger has the change from the
 * moment of the 2xx on (issue 13: consent keeps its guarantee behind the log).
 */
export async function consentAtTheDoor(tx: WriteTx, events: readonly CollectedEvent[], senders: readonly EventSender[]): Promise<void> {
  const carrying = events.map((e, i) => ({ e, sender: senders[i] ?? sourceSender(e.source) })).filter(({ e }) => e.consent.length > 0)
  if (carrying.length === 0) return
  await tx.insertConsent(carrying.flatMap(({ e }) => e.identifiers.flatMap((id) => e.consent.map((change) => ({ identityKey: identifierKey(id), change, recordedAt: e.receivedAt })))))
  await tx.appendAudit(carrying.map(({ e, sender }) => consentAudit(e, null, sender)))
}

function consentAudit(e: CollectedEvent, profileId: string | null, sender: EventSender): NewAuditEntry {
  const changes = e.consent.map(({ purpose, channel, state, occurredAt, legalBasis }) => ({ purpose, channel, state, occurredAt, legalBasis }))
  return {
    at: e.receivedAt,
    keyId: sender.keyId,
    actor: sender.name,
    role: 'source',
    action: 'consent.change',
    profileId,
    purpose: 'collection',
    detail: { messageId: e.messageId, source: e.source, changes },
  }
}

/** Lower-cased name words and the full name from the person's traits, for `GET /v1/profiles?q=`. */
function nameTerms(e: CollectedEvent): string[] {
  const contextTraits = (typeof e.context.traits === 'object' && e.context.traits !== null ? e.context.traits : {}) as Record<string, unknown>
  const traits: Record<string, unknown> = e.type === 'identify' ? { ...contextTraits, ...e.traits } : contextTraits
  const parts = [traits.name, traits.firstName, traits.first_name, traits.lastName, traits.last_name].filter(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  )
  if (parts.length === 0) return []
  const terms = new Set<string>()
  for (const part of parts) {
    const text = part.trim().toLowerCase()
    terms.add(text)
    for (const word of text.split(/\s+/)) terms.add(word)
  }
  return [...terms]
}
