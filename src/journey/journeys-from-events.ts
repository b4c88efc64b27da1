import type { JourneyEventRow } from '../core/journey-event.js'
import { classifyChannel, DEFAULT_CHANNEL_RULES, type Channel, type ChannelRules } from './channel.js'
import { buildJourneys, type Journey, type JourneyEvent } from './journeys.js'

/** One stored event as journeys need it; rows come ordered by profile, then time. */
export type JourneyRow = JourneyEventRow

/** Channels a track event is a touchpoint of (a mailing read, a call, a catalog, a store visit, …). */
const TOUCH_CHANNELS = new Set(['email', 'print', 'radio', 'tv', 'store', 'call_center', 'event'])

export interface JourneyOptions {
  conversionEvent?: string
  lookbackDays?: number
  rules?: ChannelRules
}

/**
 * Turns every profile's events into journeys: page and screen views are touchpoints classified by
 * UTM and referrer; track events on a marketing or offline channel are touchpoints of that channel;
 * the conversion event (default `Order Completed`) closes a journey.
 */
export function journeysFromEvents(rows: Iterable<JourneyRow>, opts: JourneyOptions = {}): { journeys: Journey[]; withoutTouchpoints: number } {
  const journeys: Journey[] = []
  const cutter = cutJourneys(opts, (j) => journeys.push(j))
  for (const row of rows) cutter.add(row)
  return { journeys, withoutTouchpoints: cutter.end() }
}

/**
 * The same, for rows that arrive in pages: each profile's journeys are handed to `onJourney` as soon
 * as its last row has come, so only one profile's events are held at a time. `end` flushes the last
 * profile and returns the conversions that had no touchpoint.
 */
export function cutJourneys(opts: JourneyOptions, onJourney: (journey: Journey) => void): { add(row: JourneyRow): void; end(): number } {
  const conversion = opts.conversionEvent ?? 'Order Completed'
  const rules = opts.rules ?? DEFAULT_CHANNEL_RULES
  const lookbackDays = opts.lookbackDays ?? 30
  let withoutTouchpoints = 0
  let current: string | null = null
  let events: JourneyEvent[] = []
  const flush = () => {
    const built = buildJourneys(events, { lookbackDays })
    for (const j of built.journeys) onJourney(j)
    withoutTouchpoints += built.withoutTouchpoints
    events = []
  }
  return {
    add(row) {
      if (row.profileId !== current) {
        if (current !== null) flush()
        current = row.profileId
      }
      const isConversion = row.type === 'track' && row.event === conversion
      let channel: Channel | null = null
      if (!isConversion && (row.type === 'page' || row.type === 'screen' || (row.type === 'track' && TOUCH_CHANNELS.has(row.channel)))) {
        channel = classifyChannel({ channel: row.channel, utmSource: row.utmSource, utmMedium: row.utmMedium, referrer: row.referrer }, rules)
      }
      if (!isConversion && channel === null) return
      events.push({ at: Date.parse(row.timestamp), channel, campaign: row.utmCampaign ?? null, isConversion, value: row.revenue ?? 0 })
    },
    end() {
      if (current !== null) flush()
      current = null
      return withoutTouchpoints
    },
  }
}
