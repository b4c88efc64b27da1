/**
 * A link between two identifier keys, seen first in event `messageId` at `timestamp`.
 * Only the earliest sighting of a pair matters: a pair refused once stays refused, because
 * the two sides only ever gain identifiers.
 */
export interface IdentityLink {
  a: string
  b: string
  timestamp: string
  messageId: string
}

/** Two identifiers that an event linked but that were kept apart, and why. */
export interface IdentityConflict {
  messageId: string
  a: string
  b: string
  /** The identifier kind of which the two sides hold different values. */
  kind: string
  reason: 'two-user-ids' | 'two-external-ids'
}

/** A record that profile `fromProfile` was merged into `intoProfile` because of event `messageId`. */
export interface IdentityMerge {
  fromProfile: string
  intoProfile: string
  messageId: string
  at: string
}
