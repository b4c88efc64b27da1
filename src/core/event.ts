import type { ConsentChange } from './consent.js'
import type { Identifier } from './identifier.js'

export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const
export type EventType = (typeof EVENT_TYPES)[number]

export type JsonObject = Record<string, unknown>

/**
 * An event after validation and normalization: the one shape every channel's data takes
 * before it reaches the store (see docs/events.md).
 */
export interface CollectedEvent {
  messageId: string
  type: EventType
  /** Track events' name, e.g. `Order Completed`; the page/screen name for page and screen. */
  event: string | null
  /** A page or screen call's top-level `name`, as sent (null when it sent none, and for other types). */
  name: string | null
  userId: string | null
  anonymousId: string | null
  previousId: string | null
  groupId: string | null
  /** When it happened, corrected for the sender's clock skew (ISO-8601, UTC, ms). */
  timestamp: string
  /** The timestamp as sent, before the skew correction. */
  originalTimestamp: string | null
  sentAt: string | null
  receivedAt: string
  source: string
  channel: string
  traits: JsonObject
  properties: JsonObject
  context: JsonObject
  /** Order value for `Order Completed` (revenue, else total), in major units of `currency`. */
  revenue: number | null
  /** Cost of the goods of an order (properties.cost, or the products' cost × quantity), when the sender knows it. */
  cost: number | null
  currency: string | null
  /** Every identifier the event carries, normalized (emails lower-cased, phones E.164). */
  identifiers: Identifier[]
  /** The consent changes it carries (`context.consent`, unsubscribe events), at the event's time. */
  consent: ConsentChange[]
}

