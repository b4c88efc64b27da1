import { profileNotFound, requireProfileId } from '../store/profile-id.js'
import type { AuditEntry, ErasureReport, NewAuditEntry, Store, TimelineEvent } from '../store/store.js'
import type { ConsentService } from './consent-service.js'

/**
 * Everything salestwin holds about a person (GDPR art. 15 and 20), machine-readable: the profile,
 * its identifiers, every event, the consent ledger, computed values, merges, quarantined payloads
 * and who accessed the data (the audit lines about the profile).
 */
export async function exportPerson(store: Store, consent: ConsentService, profileId: string) {
  // getProfile follows merges itself: the profile's id is the surviving one.
  const profile = await store.profiles.get(profileId)
  if (!profile) throw profileNotFound(profileId)
  const id = profile.id
  const events = await allPages<TimelineEvent>((cursor) => store.events.timeline(id, { limit: 500, ...(cursor ? { cursor } : {}) }))
  const identifiers = await store.profiles.identifiersOf(id)
  const [ledger, merges, quarantined, access] = await Promise.all([
    consent.summary(id),
    store.profiles.mergesInto(id),
    store.events.quarantineOfPerson(events.map((e) => ({ source: e.source, messageId: e.messageId })), identifiers.map((i) => i.value)),
    allPages<AuditEntry>((cursor) => store.access.listAudit({ limit: 500, profileId: id, ...(cursor ? { cursor } : {}) })),
  ])
  return {
    exportedAt: new Date().toISOString(),
    profile,
    identifiers: identifiers.map((i) => ({ kind: i.kind, value: i.value, firstSeen: i.firstSeen })),
    consent: ledger,
    events: events.map((e) => e.payload),
    merges,
    quarantined,
    accessLog: access.map(({ at, actor, role, action, purpose }) => ({ at, actor, role, action, purpose })),
  }
}

/**
 * Erases a person (GDPR art. 17): events, identifiers, traits, consent records, computed values
 * and quarantined payloads of the profile and of every profile merged into it, in one transaction.
 * Emails, phones, user ids and external ids stay behind only as salted hashes (suppressions), so a
 * later import of the same person comes back without marketing consent unless it brings fresh
 * consent. The audit log keeps the (pseudonymous) profile id and the counts, not the identifiers.
 */
export async function erasePerson(
  store: Store,
  consent: ConsentService,
  profileId: string,
  audit: (profileId: string, removed: ErasureReport) => NewAuditEntry,
): Promise<{ profileId: string; erasedAt: string; removed: ErasureReport; suppressed: number }> {
  const id = await requireProfileId(store, profileId)
  const erasedAt = new Date().toISOString()
  const suppressions = (await consent.suppressionHashes(await store.profiles.identifiersOf(id))).map((s) => ({ ...s, erasedAt }))
  const removed = await store.write(async (tx) => {
    const report = await tx.eraseProfile(id, suppressions)
    await tx.appendAudit([audit(id, report)])
    return report
  })
  return { profileId: id, erasedAt, removed, suppressed: suppressions.length }
}

async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = []
  let cursor: string | undefined
  do {
    const p = await page(cursor)
    all.push(...p.items)
    cursor = p.nextCursor ?? undefined
  } while (cursor)
  return all
}
