import type { ConsentPolicy } from '../consent/rules.js'
import type { Store } from '../store/store.js'
import type { Catalog } from './catalog.js'
import { DECISION_CHANNELS, decisionChannel, type DecisionChannel } from './catalog-schema.js'
import { decide, type CampaignUsage, type DecideInputs } from './engine.js'
import { RuleMemo, type CustomerFeatures } from './features.js'
import type { PastDecision } from './history.js'

export interface DecideAllOptions {
  /** Channels as the caller names them (checked), or every channel (default). */
  channels?: readonly string[]
  /** Offers kept per channel. */
  n?: number
  at: Date
  onProgress?: (profiles: number) => void
}

export interface DecideAllReport {
  profiles: number
  channels: DecisionChannel[]
  catalogVersion: number
  /** How often each campaign was a profile's best offer, per channel. */
  bestByCampaign: Record<string, number>
  /** How often each exclusion reason left a campaign or an offer out, over all profiles and channels. */
  excludedByReason: Record<string, number>
  /** Profiles with no offer on any of the channels. */
  withoutOffer: number
  seconds: number
}

/** What decide all reads per profile; the service gives its store-backed readers. */
export interface ProfileReader {
  features(profileId: string, at: Date): Promise<CustomerFeatures>
  past(profileId: string, at: Date): Promise<PastDecision[]>
}

const PAGE = 500

/**
 * Every profile, every campaign and every offer (issue 11, point 7): the ranked best offers per
 * channel of each live profile, stored as its `computed.nextBestOffers`. Nothing is sent and no
 * volume is reserved: this is what each customer would get now, for the marketer's counts and for
 * the channels that read it ahead (outbound runs decide again at send time).
 */
export async function decideAll(store: Store, catalog: Catalog, policy: ConsentPolicy, read: ProfileReader, propensity: DecideInputs['propensity'], opts: DecideAllOptions): Promise<DecideAllReport> {
  const started = Date.now()
  const channels = opts.channels ? opts.channels.map(decisionChannel) : [...DECISION_CHANNELS]
  const usage = await store.decisions.campaignUsage(opts.at.toISOString().slice(0, 10))
  const report: DecideAllReport = { profiles: 0, channels, catalogVersion: catalog.version, bestByCampaign: {}, excludedByReason: {}, withoutOffer: 0, seconds: 0 }
  const computedAt = opts.at.toISOString()
  let after: string | null = null
  for (;;) {
    const ids = await store.profiles.liveIds(after, PAGE)
    if (ids.length === 0) break
    const rows = []
    for (const profileId of ids) {
      const [fresh, past] = await Promise.all([read.features(profileId, opts.at), read.past(profileId, opts.at)])
      // One rule memo per profile: its profile-only rules are evaluated once for all its channels.
      const features = { ...fresh, memo: new RuleMemo(catalog.version, catalog.rules) }
      const byChannel: Record<string, { campaign: string; offer: string; score: number }[]> = {}
      let any = false
      for (const channel of channels) {
        const placement = channel // every channel has a placement named after it
        const d = decide({ channel, placement, at: opts.at }, opts.n ?? 3, { catalog, features, past, policy, propensity, usage: (id): CampaignUsage => usage.get(id) ?? { total: 0, today: 0 } })
        const best = d.explanation.ranked.slice(0, opts.n ?? 3).map((r) => ({ campaign: r.campaign, offer: r.offer, score: r.score }))
        byChannel[channel] = best
        if (best[0]) {
          any = true
          report.bestByCampaign[`${channel}:${best[0].campaign}`] = (report.bestByCampaign[`${channel}:${best[0].campaign}`] ?? 0) + 1
        }
        for (const e of d.explanation.excluded) report.excludedByReason[e.reason] = (report.excludedByReason[e.reason] ?? 0) + 1
      }
      if (!any) report.withoutOffer++
      rows.push({ profileId, computedAt, catalogVersion: catalog.version, data: { catalogVersion: catalog.version, byChannel } })
    }
    await store.decisions.putNextBestOffers(rows)
    report.profiles += ids.length
    opts.onProgress?.(report.profiles)
    after = ids.at(-1)!
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10
  return report
}
