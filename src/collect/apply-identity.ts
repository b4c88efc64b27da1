import type { CollectedEvent } from '../core/event.js'
import type { IdentityLink } from '../core/identity-link.js'
import { identifierKey, identifierPriority, parseIdentifierKey } from '../core/identifier.js'
import { newProfileId } from '../core/ids.js'
import { compareLinks, orderPair, resolveGroups, type IdentityPolicy } from '../identity/identity-graph.js'
import type { IdentifierRow, WriteTx } from '../store/store.js'

/**
 * Resolves the identities of one batch inside its write transaction, with a handful of bulk
 * reads and writes whatever the batch size:
 *
 * 1. load the part of the identity graph the batch touches (its identifiers, their links, and
 *    everything linked to those, until nothing new turns up) and the profiles of those identifiers;
 * 2. add the batch's links in memory, keeping each pair's earliest sighting;
 * 3. re-derive the people with `resolveGroups` (a pure function of the links, so arrival order
 *    never matters) and compare with the stored profiles;
 * 4. write what changed: new links, new profiles, moved identifiers and the events they decide,
 *    merges and conflicts.
 *
 * Returns, per event, the identifier key that decides its profile and the profile it is in now.
 */
export async function applyIdentities(
  tx: WriteTx,
  events: CollectedEvent[],
  policy: IdentityPolicy,
): Promise<{ identityKey: string; profileId: string }[]> {
  const eventKeys = events.map((e) =>
    [...e.identifiers].sort((x, y) => identifierPriority(x.kind) - identifierPriority(y.kind)).map(identifierKey),
  )
  const batchKeys = new Set(eventKeys.flat())
  // Only events with two or more identifiers can bring links; the stored links of their keys say
  // whether a pair is new. Most batches only repeat known pairs and stop after these two reads.
  const linkingKeys = [...new Set(eventKeys.filter((k) => k.length > 1).flat())]
  const links = new Map<string, IdentityLink>()
  if (linkingKeys.length > 0) for (const link of await tx.linksTouching(linkingKeys)) links.set(pairKey(link), link)
  const current = await tx.profilesOf([...batchKeys])

  const newLinks = new Map<string, IdentityLink>()
  events.forEach((e, i) => {
    const [primary, ...others] = eventKeys[i]!
    for (const other of others) {
      const [a, b] = orderPair(primary!, other)
      const link = { a, b, timestamp: e.timestamp, messageId: e.messageId }
      const known = links.get(pairKey(link))
      if (known && compareLinks(known, link) <= 0) continue
      links.set(pairKey(link), link)
      newLinks.set(pairKey(link), link)
    }
  })
  const newKeys = [...batchKeys].filter((k) => !current.has(k))
  if (newLinks.size === 0 && newKeys.length === 0) {
    return eventKeys.map((k) => ({ identityKey: k[0]!, profileId: current.get(k[0]!)! }))
  }
  // The part of the graph the new links touch, read whole; identifiers with no link are people of their own.
  const graph = await loadGraph(tx, new Set([...newLinks.values()].flatMap((l) => [l.a, l.b])))
  for (const [pair, link] of newLinks) graph.links.set(pair, link)
  const keys = new Set([...graph.keys, ...newKeys])
  const beyondBatch = [...graph.keys].filter((k) => !batchKeys.has(k))
  if (beyondBatch.length > 0) for (const [k, p] of await tx.profilesOf(beyondBatch)) current.set(k, p)
  const { groups, conflicts } = resolveGroups(keys, [...graph.links.values()], policy)
  const receivedAt = events[0]!.receivedAt
  const profileOf = new Map(current)
  const claimed = new Set<string>()
  const newProfiles: string[] = []
  const changedRows: IdentifierRow[] = []
  const moved = new Map<string, { from: string; to: string; keys: string[] }>() // by `from → to`
  const firstSeen = firstSeenOf(events, eventKeys)
  // Largest groups choose first, so that a split leaves the bigger part with the old id.
  const ordered = [...groups].sort((x, y) => y.length - x.length || (x[0]! < y[0]! ? -1 : 1))
  for (const group of ordered) {
    const votes = new Map<string, number>()
    for (const k of group) {
      const p = current.get(k)
      if (p !== undefined && !claimed.has(p)) votes.set(p, (votes.get(p) ?? 0) + 1)
    }
    const chosen = [...votes].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0]
    const profileId = chosen ?? newProfileId()
    if (chosen === undefined) newProfiles.push(profileId)
    claimed.add(profileId)
    for (const key of group) {
      const was = current.get(key)
      if (was === profileId) continue
      profileOf.set(key, profileId)
      const { kind, value } = parseIdentifierKey(key)
      changedRows.push({ key, kind, value, profileId, firstSeen: firstSeen.get(key) ?? receivedAt })
      if (was !== undefined) {
        const move = `${was}\u0000${profileId}`
        if (!moved.has(move)) moved.set(move, { from: was, to: profileId, keys: [] })
        moved.get(move)!.keys.push(key)
      }
    }
  }

  await tx.createProfiles(newProfiles, receivedAt)
  await tx.upsertLinks([...newLinks.values()])
  await tx.putIdentifiers(changedRows)
  for (const { keys: movedKeys, from, to } of moved.values()) await tx.moveEvents(movedKeys, from, to)
  // A profile that kept no identifier was merged into the one that took its first.
  // Only the recomputed part can lose a profile; identifiers outside it keep theirs.
  const before = [...keys].filter((k) => current.has(k)).map((k) => [k, current.get(k)!] as const)
  for (const from of new Set(before.map(([, p]) => p))) {
    if (claimed.has(from)) continue
    const heir = before.find(([, p]) => p === from)![0]
    const cause = causeOf(heir, newLinks) ?? events[0]!.messageId
    await tx.recordMerge({ fromProfile: from, intoProfile: profileOf.get(heir)!, messageId: cause, at: receivedAt })
  }
  await tx.recordConflicts(conflicts, receivedAt)
  return eventKeys.map((k) => ({ identityKey: k[0]!, profileId: profileOf.get(k[0]!)! }))
}

/** Walks the stored links outward from the batch's keys until the touched part of the graph is complete. */
async function loadGraph(tx: WriteTx, seeds: Set<string>): Promise<{ keys: Set<string>; links: Map<string, IdentityLink> }> {
  const keys = new Set(seeds)
  const links = new Map<string, IdentityLink>()
  let frontier = [...seeds]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const link of await tx.linksTouching(frontier)) {
      links.set(pairKey(link), link)
      for (const k of [link.a, link.b]) {
        if (!keys.has(k)) {
          keys.add(k)
          next.push(k)
        }
      }
    }
    frontier = next
  }
  return { keys, links }
}

function pairKey(link: { a: string; b: string }): string {
  return `${link.a}\u0000${link.b}`
}

/** The event that brought a new link touching this key: the cause recorded with a merge. */
function causeOf(key: string, newLinks: Map<string, IdentityLink>): string | undefined {
  for (const link of newLinks.values()) if (link.a === key || link.b === key) return link.messageId
  return undefined
}

function firstSeenOf(events: CollectedEvent[], eventKeys: string[][]): Map<string, string> {
  const seen = new Map<string, string>()
  events.forEach((e, i) => {
    for (const k of eventKeys[i]!) {
      const t = seen.get(k)
      if (t === undefined || e.timestamp < t) seen.set(k, e.timestamp)
    }
  })
  return seen
}
