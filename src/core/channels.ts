/** The channels attribution speaks of (the taxonomy of docs/attribution.md). */
export const CHANNEL_NAMES = [
  'paid_search', 'organic_search', 'social', 'email', 'display', 'mobile_ad', 'affiliate', 'referral', 'direct',
  'print', 'radio', 'tv', 'store', 'call_center', 'event',
] as const
