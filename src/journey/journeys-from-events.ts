import type { JourneyEventRow } from '../core/journey-event.js'
import { classifyChannel, DEFAULT_CHANNEL_RULES, type Channel, type ChannelRules } from './channel.js'
import { buildJourneys, type Journey, type JourneyEvent } from './journeys.js'

/** One stored event as journeys need it; rows come ordered by profile, then time. */
export type JourneyRow = JourneyEventRow

/** Channels a track event is a touchpoint of (a mailing read, a call, a catalog, a store visit, …). */
const TOUCH_CHANNELS = new Set(['email', 'print', 'radio', 'tv', 'store', 'call_center', 'event'])

/**
 * Turns every profile's events into journeys: page and screen views are touchpoints classified by
 * UTM and referrer; track events on a marketing or offline channel are touchpoints of that channel;
 * the conversion event (default `Order Completed`) closes a journey.
 */
export function journeysFromEvents(
  rows: Iterable<JourneyRow>,
  opts: { conversionEvent?: string; lookbackDays?: number; rules?: ChannelRules } = {},
): { journeys: Journey[]; withoutTouchpoints: number } {
  const conversion = opts.conversionEvent ?? 'Order Completed'
  const rules = opts.rules ?? DEFAULT_CHANNEL_RULES
  const journeys: Journey[] = []
  let withoutTouchpoints = 0
  let current: string | null = null
  let events: JourneyEvent[] = []
  const flush = () => {
    const built = buildJourneys(events, { lookbackDays: opts.lookbackDays ?? 30 })
    journeys.push(...built.journeys)
    withoutTouchpoints += built.withoutTouchpoints
    events = []
  }
  for (const row of rows) {
    if (row.profileId !== current) {
      if (current !== null) flush()
      current = row.profileId
    }
    const isConversion = row.type === 'track' && row.event === conversion
    let channel: Channel | null = null
    if (!isConversion && (row.type === 'page' || row.type === 'screen' || (row.type === 'track' && TOUCH_CHANNELS.has(row.channel)))) {
      channel = classifyChannel({ channel: row.channel, utmSource: row.utmSource, utmMedium: row.utmMedium, referrer: row.referrer }, rules)
    }
    if (!isConversion && channel === null) continue
    events.push({ at: Date.parse(row.timestamp), channel, campaign: row.utmCampaign ?? null, isConversion, value: row.revenue ?? 0 })
  }
  if (current !== null) flush()
  return { journeys, withoutTouchpoints }
}
