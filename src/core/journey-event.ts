/** An event as attribution needs it: what, where, when, and its campaign context. The store produces it; journey/ reads it. */
export interface JourneyEventRow {
  profileId: string
  timestamp: string
  type: string
  event: string | null
  channel: string
  revenue: number | null
  utmSource?: string
  utmMedium?: string
  utmCampaign?: string
  referrer?: string
}
