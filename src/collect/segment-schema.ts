import { z } from 'zod'
import { EVENT_TYPES } from '../core/event.js'

const MAX_ID_LENGTH = 256

const id = z.union([z.string().min(1, 'must not be empty').max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`), z.number().finite()], {
  error: 'must be a string or a number',
})
const isoTime = z.iso.datetime({ offset: true, error: 'must be ISO-8601' })
const object = z.record(z.string(), z.unknown(), { error: 'must be an object' })
const money = z.number({ error: 'must be a number' }).finite('must be a finite number').nonnegative('must not be negative')

/**
 * The Segment Tracking API message (https://segment.com/docs/connections/spec/common/) as
 * salestwin accepts it. Unknown fields are kept (passthrough): they are the sender's data.
 */
export const SegmentMessage = z
  .looseObject({
    type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }),
    // Optional as in Segment's HTTP API: without one the server makes one (parse-event.ts).
    messageId: id.nullish(),
    userId: id.nullish(),
    anonymousId: id.nullish(),
    previousId: id.nullish(),
    groupId: id.nullish(),
    event: z.string({ error: 'must be a string' }).max(200, 'must be at most 200 characters').nullish(),
    name: z.string({ error: 'must be a string' }).nullish(),
    timestamp: isoTime.nullish(),
    originalTimestamp: isoTime.nullish(),
    sentAt: isoTime.nullish(),
    traits: object.nullish(),
    properties: object.nullish(),
    context: object.nullish(),
    integrations: object.nullish(),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'track' && (m.event == null || m.event.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['event'], message: 'is required for track', input: m.event })
    }
    if (m.type === 'alias' && m.previousId == null) {
      ctx.addIssue({ code: 'custom', path: ['previousId'], message: 'is required for alias', input: m.previousId })
    }
    if (m.type === 'alias' && m.userId == null) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'is required for alias', input: m.userId })
    }
    if (m.type === 'group' && m.groupId == null) {
      ctx.addIssue({ code: 'custom', path: ['groupId'], message: 'is required for group', input: m.groupId })
    }
    if (m.type === 'track' && m.event === 'Order Completed' && m.properties) {
      for (const field of ['revenue', 'total', 'cost'] as const) {
        const value = m.properties[field]
        if (value === undefined || value === null) continue
        const parsed = money.safeParse(value)
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', path: ['properties', field], message: parsed.error.issues[0]!.message, input: value })
        }
      }
      const currency = m.properties.currency
      if (currency !== undefined && currency !== null && !(typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency))) {
        ctx.addIssue({ code: 'custom', path: ['properties', 'currency'], message: 'must be an ISO 4217 code', input: currency })
      }
    }
  })

export type SegmentMessage = z.infer<typeof SegmentMessage>
