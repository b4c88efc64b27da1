import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { AppError, describeValue } from '../core/errors.js'
import { consentOfEvent } from '../consent/parse-consent.js'
import type { ConsentPolicy } from '../consent/rules.js'
import type { CollectedEvent, EventType, JsonObject } from '../core/event.js'
import { extractIdentifiers, type IdentifierRules, type InvalidIdentifier } from '../identity/extract-identifiers.js'
import { SegmentMessage } from './segment-schema.js'
import { dataQualityWarnings } from './data-quality.js'
import { describePath, findShapeProblem, MAX_EVENT_DEPTH, type ShapeProblem } from '../core/json-shape.js'
import { roundTo } from '../core/values.js'
import { implausibleTime, MAX_CLOCK_SKEW_MS } from '../core/time.js'

/** One event of 32 KB at most, as Segment's API. */
export const MAX_EVENT_BYTES = 32 * 1024

export interface ParseContext {
  source: string
  receivedAt: Date
  /** Where the event sits in the request, for messages: `batch[3]`, or '' for a single event. */
  path: string
  /** The endpoint's type (`/v1/track` → track) when the body does not say. */
  defaultType?: EventType
  rules: IdentifierRules
  defaultCurrency: string
  /**
   * 'segment' (HTTP): userId or anonymousId is required, as in Segment's spec.
   * 'any' (imports): an email, phone or external id is enough, as CRM and order files often have no other.
   */
  identifiedBy?: 'segment' | 'any'
  /** Validates the consent an event carries (docs/privacy.md). */
  consentPolicy: ConsentPolicy
}

export type ParseOutcome = { ok: true; event: CollectedEvent; warnings: string[] } | { ok: false; reason: string; messageId: string | null }

/**
 * Validates one raw Segment message and normalizes it into a {@link CollectedEvent}:
 * ids as strings, the timestamp corrected for clock skew, the channel and the order value read out.
 *
 * @example
 * parseEvent({ type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1' }, {
 *   source: 'web', receivedAt: new Date(), path: 'batch[0]', rules: { defaultCountry: 'DE', externalIdTraits: {} }, defaultCurrency: 'EUR',
 * })
 */
export function parseEvent(raw: unknown, ctx: ParseContext): ParseOutcome {
  const at = (field: string) => (ctx.path && field ? `${ctx.path}.${field}` : ctx.path || field || 'event')
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: `${at('')} must be an object, got ${describeValue(raw)}`, messageId: null }
  }
  const input = raw as Record<string, unknown>
  const rawMessageId = typeof input.messageId === 'string' ? input.messageId : null
  const shape = findShapeProblem(input)
  if (shape) return { ok: false, reason: describeShapeProblem(shape, at), messageId: rawMessageId }
  const bytes = Buffer.byteLength(JSON.stringify(input))
  if (bytes > MAX_EVENT_BYTES) {
    return { ok: false, reason: `${at('')} must be at most 32 KB, got ${bytes} bytes`, messageId: rawMessageId }
  }
  const withType = input.type === undefined && ctx.defaultType ? { ...input, type: ctx.defaultType } : input
  const parsed = SegmentMessage.safeParse(withType, { reportInput: true })
  if (!parsed.success) {
    return { ok: false, reason: describeIssues(parsed.error, at), messageId: rawMessageId }
  }
  const invalid: InvalidIdentifier[] = []
  const event = normalize(parsed.data, ctx, invalid)
  // The sender's time (skew-corrected when it sent sentAt) must be plausible; a little ahead is then set to receivedAt.
  const implausible = implausibleTime(event.timestamp, event.receivedAt)
  if (implausible) {
    const field = parsed.data.timestamp ? 'timestamp' : 'originalTimestamp'
    return { ok: false, reason: `${at(field)} ${implausible}, got ${describeValue(parsed.data[field])}`, messageId: rawMessageId }
  }
  event.timestamp = withinSkew(event.timestamp, event.receivedAt)
  if (ctx.identifiedBy === 'any' ? event.identifiers.length === 0 : event.userId === null && event.anonymousId === null) {
    const needed = ctx.identifiedBy === 'any' ? 'userId, anonymousId, email, phone or an external id' : 'userId or anonymousId'
    return { ok: false, reason: `${at(needed)} is required`, messageId: rawMessageId }
  }
  try {
    event.consent = consentOfEvent(event, ctx.path, ctx.consentPolicy)
  } catch (err) {
    if (err instanceof AppError) return { ok: false, reason: err.message, messageId: rawMessageId }
    throw err
  }
  return { ok: true, event, warnings: dataQualityWarnings(invalid, at, ctx.rules.defaultCountry) }
}

function describeShapeProblem(problem: ShapeProblem, at: (field: string) => string): string {
  const [field = '', ...rest] = problem.path
  if (problem.rule === 'depth') {
    return `${at(field)} must be nested at most ${MAX_EVENT_DEPTH} levels deep, got more at ${at(describePath(problem.path))}`
  }
  return `${at(describePath([field, ...rest]))} must not contain the NUL character (U+0000)`
}

function describeIssues(error: z.ZodError, at: (field: string) => string): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.map(String).join('.')
      // A missing field is "required"; a present one names what it got.
      if (issue.input === undefined) return `${at(field)} ${issue.code === 'custom' ? issue.message : 'is required'}`
      return `${at(field)} ${issue.message}, got ${describeValue(issue.input)}`
    })
    .join('; ')
}

function normalize(m: SegmentMessage, ctx: ParseContext, invalid: InvalidIdentifier[]): CollectedEvent {
  const receivedAt = ctx.receivedAt.toISOString()
  const sentAt = m.sentAt ? toIso(m.sentAt) : null
  const original = m.timestamp ? toIso(m.timestamp) : m.originalTimestamp ? toIso(m.originalTimestamp) : null
  const traits: JsonObject = m.traits ?? {}
  const properties: JsonObject = m.properties ?? {}
  const context: JsonObject = m.context ?? {}
  const userId = toId(m.userId)
  const anonymousId = toId(m.anonymousId)
  const previousId = toId(m.previousId)
  const isOrder = m.type === 'track' && m.event === 'Order Completed'
  const revenue = isOrder ? pickNumber(properties.revenue, properties.total) : null
  const cost = isOrder ? (pickNumber(properties.cost) ?? productsCost(properties.products)) : null
  return {
    // Segment's API makes an id for a message without one; a resend of it is then a new event.
    messageId: m.messageId == null ? `srv-${randomUUID()}` : String(m.messageId),
    type: m.type,
    event: m.type === 'track' ? (m.event ?? null) : m.type === 'page' || m.type === 'screen' ? (m.name ?? (typeof properties.name === 'string' ? properties.name : null)) : null,
    name: m.type === 'page' || m.type === 'screen' ? (m.name ?? null) : null,
    userId,
    anonymousId,
    previousId,
    groupId: toId(m.groupId),
    timestamp: correctSkew(original, sentAt, receivedAt),
    originalTimestamp: original,
    sentAt,
    receivedAt,
    source: ctx.source,
    channel: channelOf(properties, context, ctx.source),
    traits,
    properties,
    context,
    revenue,
    cost,
    currency: isOrder ? (typeof properties.currency === 'string' ? properties.currency.toUpperCase() : ctx.defaultCurrency) : null,
    identifiers: extractIdentifiers({ userId, anonymousId, previousId, traits: m.type === 'identify' ? traits : {}, context }, ctx.rules, invalid),
    consent: [],
  }
}

/**
 * Segment's correction: the device's clock may be wrong, but the gap between the event and the
 * send is measured on that same clock, so `receivedAt − (sentAt − timestamp)` is the event on the
 * server's clock. Without sentAt (imports, server-side senders) the timestamp is taken as sent.
 */
export function correctSkew(timestamp: string | null, sentAt: string | null, receivedAt: string): string {
  if (timestamp === null) return receivedAt
  if (sentAt === null) return timestamp
  const corrected = Date.parse(receivedAt) - (Date.parse(sentAt) - Date.parse(timestamp))
  return new Date(corrected).toISOString()
}

/**
 * An event cannot have happened after salestwin received it: a time further ahead than the clock
 * skew tolerance (a device clock running fast, a sender stamping its own future) becomes the time
 * received. The sender's time stays in `originalTimestamp`.
 */
function withinSkew(timestamp: string, receivedAt: string): string {
  return Date.parse(timestamp) > Date.parse(receivedAt) + MAX_CLOCK_SKEW_MS ? receivedAt : timestamp
}

/** The touchpoint's channel: an explicit `properties.channel` (offline touchpoints), `context.channel`, else the source. */
function channelOf(properties: JsonObject, context: JsonObject, source: string): string {
  if (typeof properties.channel === 'string' && properties.channel) return properties.channel
  if (typeof context.channel === 'string' && context.channel && !SDK_CHANNELS.has(context.channel)) return context.channel
  return source
}

/** Values Segment's SDKs put in context.channel that name the SDK, not the touchpoint. */
const SDK_CHANNELS = new Set(['server', 'browser', 'mobile', 'client'])

/** The cost of an order's products, when every product names its cost. */
function productsCost(products: unknown): number | null {
  if (!Array.isArray(products) || products.length === 0) return null
  let total = 0
  for (const p of products) {
    const cost = typeof p === 'object' && p !== null ? (p as Record<string, unknown>).cost : undefined
    const quantity = typeof p === 'object' && p !== null ? (p as Record<string, unknown>).quantity : undefined
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) return null
    total += cost * (typeof quantity === 'number' && quantity > 0 ? quantity : 1)
  }
  return roundTo(total, 2)
}

function toId(v: string | number | null | undefined): string | null {
  return v === null || v === undefined ? null : String(v)
}

function toIso(text: string): string {
  return new Date(text).toISOString()
}

function pickNumber(...values: unknown[]): number | null {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v
  return null
}
