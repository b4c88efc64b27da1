import { CHANNEL_NAMES } from '../core/channels.js'

/** The channels attribution speaks of: online by UTM/referrer, offline by the touchpoint's channel. */
export const CHANNELS = CHANNEL_NAMES
export type Channel = (typeof CHANNELS)[number]

/** What classification looks at, read from an event. */
export interface TouchSignals {
  /** The event's channel (properties.channel, context.channel or the source). */
  channel: string
  utmSource?: string | undefined
  utmMedium?: string | undefined
  referrer?: string | undefined
}

/** Mediums, sources and hosts mapped to channels; configurable by passing other rules. */
export interface ChannelRules {
  mediums: Record<string, Channel>
  searchHosts: string[]
  socialHosts: string[]
}

export const DEFAULT_CHANNEL_RULES: ChannelRules = {
  mediums: {
    cpc: 'paid_search', ppc: 'paid_search', paidsearch: 'paid_search', sem: 'paid_search',
    organic: 'organic_search', seo: 'organic_search',
    social: 'social', paid_social: 'social', 'social-paid': 'social',
    email: 'email', newsletter: 'email',
    display: 'display', banner: 'display', cpm: 'display', retargeting: 'display',
    mobile_ad: 'mobile_ad', app: 'mobile_ad', mobile: 'mobile_ad',
    affiliate: 'affiliate', partner: 'affiliate',
    referral: 'referral',
    print: 'print', radio: 'radio', tv: 'tv',
  },
  searchHosts: ['google.', 'bing.', 'duckduckgo.', 'yahoo.', 'ecosia.', 'baidu.'],
  socialHosts: ['facebook.', 'instagram.', 'linkedin.', 'twitter.', 'x.com', 't.co', 'tiktok.', 'pinterest.', 'youtube.'],
}

const OFFLINE = new Set<Channel>(['print', 'radio', 'tv', 'store', 'call_center', 'event'])

/**
 * Classifies a touchpoint: an offline channel named on the event wins; then the UTM medium; then
 * the referrer's host (search engine, social network, any other site = referral); nothing = direct.
 *
 * @example
 * classifyChannel({ channel: 'web', utmSource: 'google', utmMedium: 'cpc' }) // 'paid_search'
 */
export function classifyChannel(t: TouchSignals, rules: ChannelRules = DEFAULT_CHANNEL_RULES): Channel {
  if (OFFLINE.has(t.channel as Channel) || t.channel === 'email') return t.channel as Channel
  const medium = t.utmMedium?.trim().toLowerCase()
  if (medium && rules.mediums[medium]) return rules.mediums[medium]
  if (t.referrer) {
    const host = hostOf(t.referrer)
    if (host) {
      if (rules.searchHosts.some((h) => host.includes(h))) return 'organic_search'
      if (rules.socialHosts.some((h) => host.includes(h))) return 'social'
      return 'referral'
    }
  }
  if (t.utmSource && !medium) return 'referral'
  return 'direct'
}

/** The default rules with configured ones merged over them. */
export function channelRulesWith(custom: { mediums?: Record<string, Channel>; searchHosts?: string[]; socialHosts?: string[] }): ChannelRules {
  return {
    mediums: { ...DEFAULT_CHANNEL_RULES.mediums, ...custom.mediums },
    searchHosts: custom.searchHosts ?? DEFAULT_CHANNEL_RULES.searchHosts,
    socialHosts: custom.socialHosts ?? DEFAULT_CHANNEL_RULES.socialHosts,
  }
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return null // not a URL: no referrer to read
  }
}
