/** One order as the value models see it. The store produces it; value/ reads it. */
export interface OrderRow {
  profileId: string
  timestamp: string
  revenue: number
  /** Cost of the goods, when the order carried it. */
  cost: number | null
  currency: string | null
}

/** A model output attached to a profile, e.g. kind 'value': P(alive), expected purchases, CLV. */
export interface ComputedValue {
  profileId: string
  kind: string
  computedAt: string
  data: Record<string, unknown>
}
