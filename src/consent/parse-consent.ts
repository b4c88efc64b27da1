import {
  CONSENT_CHANNELS,
  CONSENT_STATES,
  LEGAL_BASES,
  type ConsentChange,
  type ConsentEvidence,
  type ConsentState,
  type LegalBasis,
} from '../core/consent.js'
import { AppError, describeValue } from '../core/errors.js'
import type { ChannelOrAll, ConsentPolicy } from './rules.js'
import { isPlainObject } from '../core/values.js'
import { implausibleTime } from '../core/time.js'

export interface ChangeContext {
  policy: ConsentPolicy
  /** Who reports the change, e.g. `api:crm-sync`. */
  source: string
  /** Where the change sits in its input, for messages: `changes[2]`, `line 7`. */
  path: string
  /** The event's time, for changes carried by an event; API and import changes must name their own. */
  occurredAt?: string
  /** When salestwin received the change (default: now). An opt-out never takes effect later than this. */
  receivedAt?: string
  messageId?: string | null
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

/**
 * Validates one consent change from the API or an import:
 * `{ purpose, channel, state, occurredAt, legalBasis?, evidence?, source? }`. Throws CONSENT_INVALID
 * naming each wrong field, the rule and the value got.
 *
 * @example
 * parseConsentChange({ purpose: 'marketing', channel: 'email', state: 'opt_out', occurredAt: '2026-11-02T10:00:00Z' },
 *   { policy, source: 'api:crm', path: 'changes[0]' })
 */
export function parseConsentChange(input: unknown, ctx: ChangeContext): ConsentChange {
  const at = (field: string) => (ctx.path ? `${ctx.path}.${field}` : field)
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AppError('CONSENT_INVALID', `${ctx.path || 'consent'} must be an object, got ${describeValue(input)}`)
  }
  const o = input as Record<string, unknown>
  const problems: string[] = []
  const purpose = checkPurpose(o.purpose, at('purpose'), ctx.policy, problems)
  const channel = checkChannel(o.channel, at('channel'), problems)
  const state = oneOf(o.state, CONSENT_STATES, at('state'), problems) as ConsentState
  const legalBasis = (o.legalBasis === undefined ? 'consent' : oneOf(o.legalBasis, LEGAL_BASES, at('legalBasis'), problems)) as LegalBasis
  const receivedAt = ctx.receivedAt ?? new Date().toISOString()
  const decidedAt = checkTime('occurredAt' in o ? o.occurredAt : ctx.occurredAt, at('occurredAt'), receivedAt, problems)
  // A fast clock must never delay an unsubscribe: an opt-out counts from its receipt at the latest.
  const occurredAt = state === 'opt_out' && decidedAt > receivedAt ? receivedAt : decidedAt
  const evidence = checkEvidence(o.evidence, at('evidence'), problems)
  const source = o.source === undefined ? ctx.source : typeof o.source === 'string' && o.source.trim() ? o.source.trim() : null
  if (source === null) problems.push(`${at('source')} must be a non-empty string, got ${describeValue(o.source)}`)
  if (problems.length === 0) requireEvidence({ purpose, channel, state, legalBasis, evidence }, at('evidence'), ctx.policy, problems)
  if (problems.length > 0) throw new AppError('CONSENT_INVALID', problems.join('; '))
  return { purpose, channel, state, legalBasis, source: source!, occurredAt, evidence, messageId: ctx.messageId ?? null }
}

/**
 * The changes of an API request body: one change, or `{ "changes": [ … ] }` with at least one; each
 * named by its place (`changes[2].purpose …`) in errors.
 */
export function parseConsentBody(body: unknown, ctx: Omit<ChangeContext, 'path'>): ConsentChange[] {
  const o = isPlainObject(body) ? body : null
  if (o && Array.isArray(o.changes) && o.changes.length > 0) {
    return o.changes.map((c, i) => parseConsentChange(c, { ...ctx, path: `changes[${i}]` }))
  }
  if (o && !('changes' in o)) return [parseConsentChange(o, { ...ctx, path: '' })]
  throw new AppError('CONSENT_INVALID', 'body must be a consent change { purpose, channel, state, occurredAt, … } or { "changes": [ … ] } with at least one')
}

/** Segment consent categories (`context.consent.categoryPreferences`) and the purposes they grant. */
const CATEGORY_PURPOSES: Record<string, string> = {
  advertising: 'marketing',
  marketing: 'marketing',
  personalization: 'personalization',
  functional: 'personalization',
  analytics: 'analytics',
  performance: 'analytics',
  profiling: 'profiling',
  data_sharing: 'third_party_sharing',
  third_party_sharing: 'third_party_sharing',
}

/** Track events that are an opt-out by themselves, with the purpose and channel they default to. */
const UNSUBSCRIBE_EVENTS: Record<string, { channel: ChannelOrAll }> = {
  Unsubscribed: { channel: 'email' },
  'Email Unsubscribed': { channel: 'email' },
  'SMS Unsubscribed': { channel: 'sms' },
  'Push Unsubscribed': { channel: 'push' },
}

export interface ConsentCarrier {
  type: string
  event: string | null
  properties: Record<string, unknown>
  context: Record<string, unknown>
  timestamp: string
  receivedAt: string
  source: string
  messageId: string
}

/**
 * The consent changes an event carries, at the event's time:
 * - `context.consent.categoryPreferences` (Segment's consent management): `{ Advertising: false }`
 *   → an opt-out of marketing on the web; categories salestwin does not know are left alone.
 * - `context.consent.<purpose>.<channel|all>`: a state, or `{ state, legalBasis, evidence }`;
 *   `context.consent.<purpose>` alone (a state) means every channel.
 * - track `Unsubscribed` / `Email Unsubscribed` / `SMS Unsubscribed` / `Push Unsubscribed`: an opt-out
 *   (`properties.purpose`, default marketing; `properties.channel` for `Unsubscribed`).
 * Throws CONSENT_INVALID naming the field, e.g. `batch[2].context.consent.spam`.
 */
export function consentOfEvent(e: ConsentCarrier, path: string, policy: ConsentPolicy): ConsentChange[] {
  const at = (field: string) => (path ? `${path}.${field}` : field)
  const base = { policy, source: e.source, occurredAt: e.timestamp, receivedAt: e.receivedAt, messageId: e.messageId }
  const changes: ConsentChange[] = []
  const consent = e.context.consent
  if (consent !== undefined && consent !== null) {
    if (typeof consent !== 'object' || Array.isArray(consent)) {
      throw new AppError('CONSENT_INVALID', `${at('context.consent')} must be an object, got ${describeValue(consent)}`)
    }
    for (const [key, value] of Object.entries(consent as Record<string, unknown>)) {
      if (key === 'categoryPreferences') {
        changes.push(...fromCategories(value, at('context.consent.categoryPreferences'), base))
        continue
      }
      const field = at(`context.consent.${key}`)
      if (!policy.defaults[key]) {
        throw new AppError('CONSENT_INVALID', `${field} is not a consent purpose: must be one of ${policy.purposes.join(', ')} or categoryPreferences`)
      }
      const perChannel = typeof value === 'string' ? { all: value } : value
      if (typeof perChannel !== 'object' || perChannel === null || Array.isArray(perChannel)) {
        throw new AppError('CONSENT_INVALID', `${field} must be a state or an object of channels, got ${describeValue(value)}`)
      }
      for (const [channel, decision] of Object.entries(perChannel as Record<string, unknown>)) {
        const fields = isPlainObject(decision) ? decision : { state: decision }
        changes.push(parseConsentChange({ ...fields, purpose: key, channel }, { ...base, path: `${field}.${channel}` }))
      }
    }
  }
  const unsubscribe = e.type === 'track' && e.event !== null ? UNSUBSCRIBE_EVENTS[e.event] : undefined
  if (unsubscribe) {
    const p = e.properties
    const change = {
      purpose: p.purpose ?? 'marketing',
      channel: e.event === 'Unsubscribed' && p.channel !== undefined ? p.channel : unsubscribe.channel,
      state: 'opt_out',
      evidence: { type: 'unsubscribe_event', event: e.event },
    }
    changes.push(parseConsentChange(change, { ...base, path: at('properties') }))
  }
  return changes
}

function fromCategories(value: unknown, field: string, base: Omit<ChangeContext, 'path'>): ConsentChange[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('CONSENT_INVALID', `${field} must be an object of category: true|false, got ${describeValue(value)}`)
  }
  const changes: ConsentChange[] = []
  for (const [category, granted] of Object.entries(value as Record<string, unknown>)) {
    const purpose = CATEGORY_PURPOSES[category.toLowerCase().replace(/[^a-z0-9]+/g, '_')]
    if (!purpose) continue // a category of the site's own (e.g. a consent tool's C0004): not a salestwin purpose
    if (typeof granted !== 'boolean') {
      throw new AppError('CONSENT_INVALID', `${field}.${category} must be true or false, got ${describeValue(granted)}`)
    }
    const change = { purpose, channel: 'web', state: granted ? 'opt_in' : 'opt_out', evidence: { type: 'consent_banner', category } }
    changes.push(parseConsentChange(change, { ...base, path: `${field}.${category}` }))
  }
  return changes
}

function checkPurpose(v: unknown, field: string, policy: ConsentPolicy, problems: string[]): string {
  if (typeof v === 'string' && policy.defaults[v]) return v
  problems.push(v === undefined ? `${field} is required` : `${field} must be one of ${policy.purposes.join(', ')}, got ${describeValue(v)}`)
  return ''
}

function checkChannel(v: unknown, field: string, problems: string[]): ChannelOrAll {
  if (v === 'all' || (typeof v === 'string' && (CONSENT_CHANNELS as readonly string[]).includes(v))) return v as ChannelOrAll
  problems.push(v === undefined ? `${field} is required` : `${field} must be one of ${CONSENT_CHANNELS.join(', ')} or all, got ${describeValue(v)}`)
  return 'all'
}

function oneOf(v: unknown, allowed: readonly string[], field: string, problems: string[]): string {
  if (typeof v === 'string' && allowed.includes(v)) return v
  problems.push(v === undefined ? `${field} is required` : `${field} must be one of ${allowed.join(', ')}, got ${describeValue(v)}`)
  return ''
}

function checkTime(v: unknown, field: string, receivedAt: string, problems: string[]): string {
  if (v === undefined || v === null) {
    problems.push(`${field} is required: when the person decided (ISO-8601)`)
    return ''
  }
  if (typeof v !== 'string' || !ISO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
    problems.push(`${field} must be ISO-8601 with a time zone, got ${describeValue(v)}`)
    return ''
  }
  const iso = new Date(v).toISOString()
  const implausible = implausibleTime(iso, receivedAt)
  if (implausible) problems.push(`${field} ${implausible}, got ${describeValue(v)}`)
  return iso
}

function checkEvidence(v: unknown, field: string, problems: string[]): ConsentEvidence | null {
  if (v === undefined || v === null) return null
  if (typeof v !== 'object' || Array.isArray(v) || typeof (v as { type?: unknown }).type !== 'string' || !(v as { type: string }).type.trim()) {
    problems.push(`${field} must be an object with a "type" (e.g. "double_opt_in"), got ${describeValue(v)}`)
    return null
  }
  return v as ConsentEvidence
}

function requireEvidence(
  c: { purpose: string; channel: ChannelOrAll; state: ConsentState; legalBasis: LegalBasis; evidence: ConsentEvidence | null },
  field: string,
  policy: ConsentPolicy,
  problems: string[],
): void {
  if (c.state !== 'opt_in' || c.legalBasis !== 'consent' || c.evidence !== null) return
  const needs = policy.evidenceRequired[c.purpose] ?? []
  if (needs.includes(c.channel) || (c.channel === 'all' && needs.length > 0)) {
    problems.push(
      `${field} is required for an opt-in to ${c.purpose} by ${c.channel} in ${policy.jurisdiction} (e.g. { "type": "double_opt_in", "confirmedAt": "…" })`,
    )
  }
}
