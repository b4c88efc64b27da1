import type { Channel } from './channel.js'

export interface Touchpoint {
  channel: Channel
  campaign: string | null
  /** Epoch ms. */
  at: number
}

export interface Journey {
  touchpoints: Touchpoint[]
  converted: boolean
  /** Conversion value (order revenue), 0 for journeys that did not convert. */
  value: number
  /** Epoch ms of the conversion, or of the last touchpoint. */
  endsAt: number
}

/** One profile's time-ordered events, reduced to what journeys need. */
export interface JourneyEvent {
  at: number
  /** A touchpoint's channel, or null when the event is no touchpoint. */
  channel: Channel | null
  campaign: string | null
  isConversion: boolean
  value: number
}

/**
 * Cuts one profile's events into journeys: the touchpoints within `lookbackDays` before each
 * conversion (touchpoints are used once: the next journey starts after a conversion), and the
 * touchpoints after the last conversion as a journey that did not convert. Conversions without any
 * touchpoint are counted in `withoutTouchpoints`, never dropped silently.
 */
export function buildJourneys(events: JourneyEvent[], opts: { lookbackDays: number }): { journeys: Journey[]; withoutTouchpoints: number } {
  const lookbackMs = opts.lookbackDays * 86_400_000
  const journeys: Journey[] = []
  let withoutTouchpoints = 0
  let open: Touchpoint[] = []
  for (const e of events) {
    if (e.isConversion) {
      const touchpoints = open.filter((t) => t.at >= e.at - lookbackMs && t.at <= e.at)
      if (touchpoints.length === 0) withoutTouchpoints++
      else journeys.push({ touchpoints, converted: true, value: e.value, endsAt: e.at })
      open = []
    } else if (e.channel) {
      open.push({ channel: e.channel, campaign: e.campaign, at: e.at })
    }
  }
  if (open.length > 0) journeys.push({ touchpoints: open, converted: false, value: 0, endsAt: open.at(-1)!.at })
  return { journeys, withoutTouchpoints }
}
