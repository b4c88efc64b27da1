import { parse as parseDate, isValid } from 'date-fns'
import { stableId } from '../core/ids.js'

export type ImportKind = 'contacts' | 'orders' | 'touchpoints' | 'consent'

export interface MappingOptions {
  kind: ImportKind
  source: string
  /** source column → target field, e.g. `{ id: 'userId', date: 'timestamp', dollar_value: 'revenue' }`. */
  map: Record<string, string>
  /** date-fns pattern of the timestamp column when it is not ISO-8601, e.g. `yyyyMMdd`. */
  dateFormat?: string
  /** Currency of orders without a currency column. */
  currency?: string
  /** Event name of touchpoints without an event column. */
  event?: string
}

/** Target fields every kind understands; everything else becomes a trait or property. */
const IDENTITY_FIELDS = ['userId', 'anonymousId', 'messageId', 'timestamp'] as const
const ALIASES: Record<string, string> = {
  user_id: 'userId', userid: 'userId', customer_id: 'userId', anonymous_id: 'anonymousId', message_id: 'messageId',
  first_name: 'firstName', last_name: 'lastName', date: 'timestamp', time: 'timestamp', created_at: 'timestamp',
  event_name: 'event', total: 'revenue', amount: 'revenue', orderid: 'order_id',
  legal_basis: 'legalBasis', evidence_type: 'evidenceType', evidence_reference: 'evidenceReference', occurred_at: 'timestamp',
}

/**
 * Turns one row of an import into a Segment message: contacts → identify, orders →
 * `Order Completed`, touchpoints → track with a channel. The message id derives from the
 * source and the row's identity (order_id, or file line and content), so re-importing is idempotent.
 *
 * @example
 * rowToMessage({ id: '7', date: '19970101', dollar_value: '29.33' }, 1, 'cdnow.txt', {
 *   kind: 'orders', source: 'import', map: { id: 'userId', date: 'timestamp', dollar_value: 'revenue' }, dateFormat: 'yyyyMMdd', currency: 'USD',
 * })
 */
export function rowToMessage(values: Record<string, unknown>, line: number, file: string, opts: MappingOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') continue
    const target = opts.map[column] ?? ALIASES[column.toLowerCase()] ?? column
    fields[target] = value
  }
  const message: Record<string, unknown> = {}
  for (const f of IDENTITY_FIELDS) {
    if (fields[f] !== undefined) message[f] = f === 'timestamp' ? toTimestamp(fields[f], opts.dateFormat) : String(fields[f])
    delete fields[f]
  }
  const identity = opts.kind === 'orders' ? String(fields.order_id ?? '') : ''
  message.messageId ??= stableId('imp', opts.kind, opts.source, identity || `${file}:${line}:${JSON.stringify(values)}`)
  switch (opts.kind) {
    case 'contacts':
      return { ...message, type: 'identify', traits: fields }
    case 'orders': {
      const properties: Record<string, unknown> = { ...fields }
      for (const key of ['revenue', 'quantity', 'tax', 'shipping', 'discount']) {
        if (properties[key] !== undefined) properties[key] = toNumber(properties[key])
      }
      if (typeof properties.products === 'string') properties.products = tryJson(properties.products)
      properties.currency ??= opts.currency
      return { ...message, type: 'track', event: 'Order Completed', properties, ...identityTraits(fields) }
    }
    case 'touchpoints': {
      const { event, ...properties } = fields
      return { ...message, type: 'track', event: event ?? opts.event, properties, ...identityTraits(fields) }
    }
    case 'consent': {
      // One decision per row, as an identify carrying context.consent; the row's own time is required
      // (a consent without a time is refused, not stamped with the import's time).
      const { purpose, channel, state, legalBasis, evidenceType, evidenceReference, evidence, ...traits } = fields
      const proof = evidence !== undefined ? tryJson(String(evidence)) : evidenceType !== undefined ? { type: evidenceType, ...(evidenceReference !== undefined ? { reference: evidenceReference } : {}) } : undefined
      const decision = { state, occurredAt: message.timestamp ?? null, ...(legalBasis !== undefined ? { legalBasis } : {}), ...(proof !== undefined ? { evidence: proof } : {}) }
      const key = typeof purpose === 'string' ? purpose : String(purpose ?? '(no purpose column)')
      return { ...message, type: 'identify', traits, context: { consent: { [key]: { [String(channel ?? 'all')]: decision } } } }
    }
  }
}

/** Orders and touchpoints identified only by email or phone carry them as context.traits. */
function identityTraits(fields: Record<string, unknown>): Record<string, unknown> {
  const traits: Record<string, unknown> = {}
  if (fields.email !== undefined) traits.email = fields.email
  if (fields.phone !== undefined) traits.phone = fields.phone
  return Object.keys(traits).length > 0 ? { context: { traits } } : {}
}

/** Parses a timestamp in the given date-fns pattern (as UTC); leaves anything unparseable for validation to reject. */
function toTimestamp(value: unknown, dateFormat: string | undefined): unknown {
  if (!dateFormat || typeof value !== 'string') return value
  const date = parseDate(value, dateFormat, new Date(0))
  if (!isValid(date)) return value
  return new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds())).toISOString()
}

function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const n = Number(value.trim())
  return value.trim() !== '' && Number.isFinite(n) ? n : value
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text // not JSON: keep the text as the sender wrote it; validation does not require products
  }
}
