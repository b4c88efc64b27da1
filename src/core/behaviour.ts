/** A customer's recent behaviour, as the store sums it up for decisions (decide/features.ts). */
export interface Behaviour {
  orders: number
  revenue: number
  lastOrderAt: string | null
  lastVisitAt: string | null
  lastCategoryViewed: string | null
  /** Event name → times the event happened in the last 7, 30 and 90 days. */
  last7d: Record<string, number>
  last30d: Record<string, number>
  last90d: Record<string, number>
}
