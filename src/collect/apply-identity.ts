import type { CollectedEvent } from '../core/event.js'
import { identifierKey, identifierPriority, parseIdentifierKey } from '../core/identifier.js'
import { newProfileId } from '../core/ids.js'
import { orderPair, resolveGroups, type IdentityPolicy } from '../identity/identity-graph.js'
import type { IdentifierRow, WriteTx } from '../store/store.js'

/**
 * Applies events' identifiers to the stored identity graph inside one write transaction and
 * says which profile each event belongs to. A batch-local cache keeps the key → profile map
 * of this transaction, so later events of the batch see earlier ones' merges.
 */
export class IdentityApplier {
  private readonly profileOf = new Map<string, string>()

  constructor(
    private readonly tx: WriteTx,
    private readonly policy: IdentityPolicy,
  ) {}

  /** Loads the profiles of every key the batch mentions in one query. */
  async preload(events: CollectedEvent[]): Promise<void> {
    const keys = new Set<string>()
    for (const e of events) for (const id of e.identifiers) keys.add(identifierKey(id))
    const found = await this.tx.profilesOf([...keys])
    for (const [key, profileId] of found) this.profileOf.set(key, profileId)
  }

  /** Links the event's identifiers and returns the key that decides its profile. */
  async apply(event: CollectedEvent): Promise<string> {
    const keys = [...event.identifiers]
      .sort((x, y) => identifierPriority(x.kind) - identifierPriority(y.kind))
      .map(identifierKey)
    const primary = keys[0]!
    let changed = false
    for (const other of keys.slice(1)) {
      const [a, b] = orderPair(primary, other)
      if (await this.tx.upsertLink({ a, b, timestamp: event.timestamp, messageId: event.messageId })) changed = true
    }
    if (changed) {
      await this.recompute(keys, event)
    } else {
      const fresh = keys.filter((k) => !this.profileOf.has(k))
      if (fresh.length > 0) await this.assignNew(fresh, event)
    }
    return primary
  }

  /** The profile an identifier key belongs to now. */
  profileFor(key: string): string {
    const profileId = this.profileOf.get(key)
    if (profileId === undefined) throw new Error(`identifier ${key} has no profile after identity resolution`)
    return profileId
  }

  /** Keys with no links yet each get their own new profile. */
  private async assignNew(keys: string[], event: CollectedEvent): Promise<void> {
    const rows: IdentifierRow[] = []
    for (const key of keys) {
      const profileId = newProfileId()
      await this.tx.createProfile(profileId, event.receivedAt)
      this.profileOf.set(key, profileId)
      rows.push(toRow(key, profileId, event.timestamp))
    }
    await this.tx.putIdentifiers(rows)
  }

  /**
   * Re-derives the people of the connected part of the graph around `seeds` from all its links,
   * then moves identifiers (and the events they decide) whose person changed.
   */
  private async recompute(seeds: string[], event: CollectedEvent): Promise<void> {
    const { keys, links } = await this.loadComponent(seeds)
    const { groups, conflicts } = resolveGroups(keys, links, this.policy)
    await this.tx.recordConflicts(conflicts, event.receivedAt)
    const current = new Map<string, string>()
    const unknown = keys.filter((k) => !this.profileOf.has(k))
    if (unknown.length > 0) for (const [k, p] of await this.tx.profilesOf(unknown)) this.profileOf.set(k, p)
    for (const k of keys) {
      const p = this.profileOf.get(k)
      if (p !== undefined) current.set(k, p)
    }
    const claimed = new Set<string>()
    const target = new Map<string, string>() // key → profile it belongs to now
    // Largest groups choose first so that a split leaves the bigger part with the old id.
    for (const group of [...groups].sort((x, y) => y.length - x.length || (x[0]! < y[0]! ? -1 : 1))) {
      const votes = new Map<string, number>()
      for (const k of group) {
        const p = current.get(k)
        if (p !== undefined && !claimed.has(p)) votes.set(p, (votes.get(p) ?? 0) + 1)
      }
      const chosen = [...votes.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0]
      const profileId = chosen ?? newProfileId()
      if (chosen === undefined) await this.tx.createProfile(profileId, event.receivedAt)
      claimed.add(profileId)
      for (const k of group) target.set(k, profileId)
    }
    const moved = new Map<string, string[]>() // new profile → keys moved there
    const rows: IdentifierRow[] = []
    for (const [key, profileId] of target) {
      if (current.get(key) === profileId) continue
      rows.push(toRow(key, profileId, event.timestamp))
      this.profileOf.set(key, profileId)
      if (current.has(key)) moved.set(profileId, [...(moved.get(profileId) ?? []), key])
    }
    await this.tx.putIdentifiers(rows)
    for (const [profileId, movedKeys] of moved) await this.tx.moveEvents(movedKeys, profileId)
    const emptied = new Set([...current.values()].filter((p) => !claimed.has(p)))
    for (const from of emptied) {
      const heir = [...current].find(([, p]) => p === from)![0]
      await this.tx.recordMerge({ fromProfile: from, intoProfile: target.get(heir)!, messageId: event.messageId, at: event.receivedAt })
    }
  }

  /** Walks the links outward from the seeds until the connected part is complete. */
  private async loadComponent(seeds: string[]): Promise<{ keys: string[]; links: ReturnType<typeof dedupeLinks> }> {
    const keys = new Set(seeds)
    const links = new Map<string, { a: string; b: string; timestamp: string; messageId: string }>()
    let frontier = [...seeds]
    while (frontier.length > 0) {
      const next: string[] = []
      for (const link of await this.tx.linksTouching(frontier)) {
        links.set(`${link.a}\u0000${link.b}`, link)
        for (const k of [link.a, link.b]) {
          if (!keys.has(k)) {
            keys.add(k)
            next.push(k)
          }
        }
      }
      frontier = next
    }
    return { keys: [...keys], links: dedupeLinks(links) }
  }
}

function dedupeLinks(links: Map<string, { a: string; b: string; timestamp: string; messageId: string }>) {
  return [...links.values()]
}

function toRow(key: string, profileId: string, firstSeen: string): IdentifierRow {
  const { kind, value } = parseIdentifierKey(key)
  return { key, kind, value, profileId, firstSeen }
}
