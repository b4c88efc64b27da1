import type { IdentityConflict, IdentityLink } from '../core/identity-link.js'

export interface IdentityPolicy {
  /** Kinds of which one profile may hold at most one value (userId unless merging userIds is allowed). */
  uniqueKinds: ReadonlySet<string>
}

export interface ResolvedGroups {
  /** Each group is one person; keys sorted, groups sorted by their first key. */
  groups: string[][]
  conflicts: IdentityConflict[]
}

/**
 * Splits identifier keys into people. Links are applied in event-time order (ties by messageId),
 * and a link that would give one person two values of a unique kind is refused and reported.
 * The result depends only on the set of keys and links, never on the order they arrived in.
 *
 * @example
 * resolveGroups(['userId:u1', 'anonymousId:a1'], [{ a: 'anonymousId:a1', b: 'userId:u1', timestamp: '2024-01-01T00:00:00.000Z', messageId: 'm1' }], { uniqueKinds: new Set(['userId']) })
 * // { groups: [['anonymousId:a1', 'userId:u1']], conflicts: [] }
 */
export function resolveGroups(
  keys: Iterable<string>,
  links: readonly IdentityLink[],
  policy: IdentityPolicy,
): ResolvedGroups {
  const parent = new Map<string, string>()
  const unique = new Map<string, Map<string, string>>() // root → kind → value
  const ensure = (key: string) => {
    if (parent.has(key)) return
    parent.set(key, key)
    const kind = kindOf(key)
    unique.set(key, policy.uniqueKinds.has(kind) ? new Map([[kind, key]]) : new Map())
  }
  const find = (key: string): string => {
    let root = key
    while (parent.get(root) !== root) root = parent.get(root)!
    let node = key
    while (node !== root) {
      const next = parent.get(node)!
      parent.set(node, root)
      node = next
    }
    return root
  }
  for (const key of keys) ensure(key)
  const conflicts: IdentityConflict[] = []
  for (const link of [...links].sort(compareLinks)) {
    ensure(link.a)
    ensure(link.b)
    const ra = find(link.a)
    const rb = find(link.b)
    if (ra === rb) continue
    const ua = unique.get(ra)!
    const ub = unique.get(rb)!
    const clash = [...ua.entries()].find(([kind, value]) => ub.has(kind) && ub.get(kind) !== value)
    if (clash) {
      const kind = clash[0]
      conflicts.push({
        messageId: link.messageId,
        a: link.a,
        b: link.b,
        kind,
        reason: kind === 'userId' ? 'two-user-ids' : 'two-external-ids',
      })
      continue
    }
    // Union by the smaller key so that the root, too, is independent of order.
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra]
    parent.set(child, root)
    const merged = unique.get(root)!
    for (const [kind, value] of unique.get(child)!) merged.set(kind, value)
    unique.delete(child)
  }
  const byRoot = new Map<string, string[]>()
  for (const key of parent.keys()) {
    const root = find(key)
    const group = byRoot.get(root)
    if (group) group.push(key)
    else byRoot.set(root, [key])
  }
  const groups = [...byRoot.values()].map((g) => g.sort()).sort((x, y) => (x[0]! < y[0]! ? -1 : 1))
  return { groups, conflicts }
}

/** The order links take effect in: event time, then messageId, then the pair. */
export function compareLinks(x: IdentityLink, y: IdentityLink): number {
  if (x.timestamp !== y.timestamp) return x.timestamp < y.timestamp ? -1 : 1
  if (x.messageId !== y.messageId) return x.messageId < y.messageId ? -1 : 1
  if (x.a !== y.a) return x.a < y.a ? -1 : 1
  return x.b < y.b ? -1 : x.b > y.b ? 1 : 0
}

/** Puts a pair in canonical order (a < b), so each pair is stored once. */
export function orderPair(x: string, y: string): [string, string] {
  return x < y ? [x, y] : [y, x]
}

function kindOf(key: string): string {
  if (key.startsWith('external:')) return key.slice(0, key.indexOf(':', 'external:'.length))
  return key.slice(0, key.indexOf(':'))
}
