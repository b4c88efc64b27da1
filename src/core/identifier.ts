/** Kinds of identifiers that can point at a person. External ids carry their type: `external:crm`. */
export type IdentifierKind = 'userId' | 'anonymousId' | 'email' | 'phone' | `external:${string}`

export interface Identifier {
  kind: IdentifierKind
  value: string
}

/** The store key of an identifier: `email:ada@example.com`. */
export function identifierKey(id: Identifier): string {
  return `${id.kind}:${id.value}`
}

/** Parses a key made by {@link identifierKey}; the kind ends at the last colon that precedes the value. */
export function parseIdentifierKey(key: string): Identifier {
  const external = /^external:([^:]+):(.*)$/s.exec(key)
  if (external) return { kind: `external:${external[1]}`, value: external[2] ?? '' }
  const colon = key.indexOf(':')
  return { kind: key.slice(0, colon) as IdentifierKind, value: key.slice(colon + 1) }
}

/** Lower numbers win when an event's identifiers disagree about who it belongs to. */
export function identifierPriority(kind: IdentifierKind): number {
  if (kind === 'userId') return 0
  if (kind.startsWith('external:')) return 1
  if (kind === 'email') return 2
  if (kind === 'phone') return 3
  return 4
}
