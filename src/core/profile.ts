import type { Identifier } from './identifier.js'

export interface TraitValue {
  value: unknown
  /** Event time of the event that set it. */
  at: string
  source: string
}

/** The unified view of one real customer, built from every event of every channel. */
export interface Profile {
  id: string
  identifiers: Identifier[]
  traits: Record<string, TraitValue>
  firstSeen: string | null
  lastSeen: string | null
  eventCount: number
  eventsByType: Record<string, number>
  eventsByChannel: Record<string, number>
  orders: { count: number; revenueByCurrency: Record<string, number> }
  /** Profile ids that were merged into this one. */
  mergedFrom: string[]
  /** Model outputs by kind, e.g. `value`: P(alive), expected purchases, CLV (see docs/value.md). */
  computed: Record<string, { computedAt: string } & Record<string, unknown>>
}

/** One row of a profile's trait history, as the store hands it over. */
export interface TraitSource {
  timestamp: string
  messageId: string
  source: string
  traits: Record<string, unknown>
}

/**
 * Folds trait-carrying events into the latest value of every trait by event time.
 * Ties on time break by messageId, so the result never depends on arrival order.
 *
 * @example
 * foldTraits([{ timestamp: '2024-01-01T00:00:00.000Z', messageId: 'm1', source: 'crm', traits: { name: 'Ada' } }])
 */
export function foldTraits(rows: TraitSource[]): Record<string, TraitValue> {
  const sorted = [...rows].sort((a, b) =>
    a.timestamp === b.timestamp ? cmp(a.messageId, b.messageId) : cmp(a.timestamp, b.timestamp),
  )
  const traits: Record<string, TraitValue> = {}
  for (const row of sorted) {
    for (const [key, value] of Object.entries(row.traits)) {
      if (value === undefined) continue
      traits[key] = { value, at: row.timestamp, source: row.source }
    }
  }
  return traits
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
