import { CONSENT_CHANNELS, type ConsentRecord, type ConsentState, type Suppression } from '../core/consent.js'
import { AppError } from '../core/errors.js'
import type { ChannelOrAll, ConsentPolicy } from './rules.js'

/** What `mayContact` needs to know of a person: every consent change and any erasure suppression. */
export interface ConsentLedger {
  records: readonly ConsentRecord[]
  suppressions: readonly Suppression[]
}

export interface ContactVerdict {
  allowed: boolean
  /** The decision that counts: the person's own, or the policy's default when they made none. */
  state: ConsentState | 'default'
  reason: string
  /** The record the verdict rests on (null for a default). */
  record: ConsentRecord | null
}

/** Purposes an erased person's suppression withholds until they bring fresh consent. */
const SUPPRESSED_PURPOSES = new Set(['marketing', 'third_party_sharing'])

/**
 * The one consent gate: may salestwin use this person's data for `purpose` on `channel` at `at`?
 * Every part that contacts, personalizes for or exports a person asks this and nothing else.
 *
 * The person's latest decision by event time (not by arrival) for the channel or for all channels
 * wins; at equal times an opt-out beats an opt-in. An erased person who comes back is treated as
 * having opted out of marketing at the moment of erasure. Without a decision, the policy's
 * default for the purpose and channel holds (docs/privacy.md).
 *
 * @example
 * mayContact(ledger, 'marketing', 'email', new Date().toISOString(), consentPolicy({ jurisdiction: 'DE' }))
 * // → { allowed: false, state: 'default', reason: 'no opt-in; DE requires one for marketing by email', record: null }
 */
export function mayContact(ledger: ConsentLedger, purpose: string, channel: ChannelOrAll, at: string, policy: ConsentPolicy): ContactVerdict {
  const defaults = policy.defaults[purpose]
  if (!defaults) throw new AppError('CONSENT_INVALID', `purpose must be one of ${policy.purposes.join(', ')}, got "${purpose}"`)
  if (channel !== 'all' && !(CONSENT_CHANNELS as readonly string[]).includes(channel)) {
    throw new AppError('CONSENT_INVALID', `channel must be one of ${CONSENT_CHANNELS.join(', ')} or all, got "${channel}"`)
  }
  const record = latestDecision(withSuppressions(ledger), purpose, channel, at)
  if (record && record.state === 'opt_out') {
    const why = record.source === 'erasure' ? 'erased earlier; no fresh consent since' : `opted out ${record.occurredAt} (${record.source})`
    return { allowed: false, state: 'opt_out', reason: why, record }
  }
  if (record && record.state === 'opt_in') {
    return { allowed: true, state: 'opt_in', reason: `opted in ${record.occurredAt} (${record.source}, ${record.legalBasis})`, record }
  }
  const rule = defaults[channel]
  const where = channel === 'all' ? 'on any channel' : `by ${channel}`
  return rule === 'opt_in_required'
    ? { allowed: false, state: 'default', reason: `no opt-in; ${policy.jurisdiction} requires one for ${purpose} ${where}`, record: null }
    : { allowed: true, state: 'default', reason: `no objection; ${policy.jurisdiction} allows ${purpose} ${where} until the person objects`, record: null }
}

/**
 * The decision in force for a purpose and channel at a time: the latest record by event time for
 * that channel or `all` (a query for `all` looks at `all` records only). Ties: opt-out first, then
 * the later recorded.
 */
export function latestDecision(records: readonly ConsentRecord[], purpose: string, channel: ChannelOrAll, at: string): ConsentRecord | null {
  let best: ConsentRecord | null = null
  for (const r of records) {
    if (r.purpose !== purpose || effectiveAt(r) > at) continue
    if (r.channel !== channel && r.channel !== 'all') continue
    if (best === null || laterThan(r, best)) best = r
  }
  return best
}

/**
 * When a record takes effect: its event time, except that an opt-out counts from when it was
 * recorded at the latest (new changes are stored that way; this also covers records stored dated
 * ahead before that rule).
 */
export function effectiveAt(r: Pick<ConsentRecord, 'state' | 'occurredAt' | 'recordedAt'>): string {
  return r.state === 'opt_out' && r.recordedAt < r.occurredAt ? r.recordedAt : r.occurredAt
}

function laterThan(a: ConsentRecord, b: ConsentRecord): boolean {
  if (effectiveAt(a) !== effectiveAt(b)) return effectiveAt(a) > effectiveAt(b)
  const rank = (r: ConsentRecord) => (r.state === 'opt_out' ? 2 : r.state === 'opt_in' ? 1 : 0)
  if (rank(a) !== rank(b)) return rank(a) > rank(b)
  return a.id > b.id
}

/** An erasure reads as an opt-out of the suppressed purposes at the moment of erasure. */
function withSuppressions(ledger: ConsentLedger): readonly ConsentRecord[] {
  if (ledger.suppressions.length === 0) return ledger.records
  const synthetic = ledger.suppressions.flatMap((s, i) =>
    [...SUPPRESSED_PURPOSES].map(
      (purpose, j): ConsentRecord => ({
        id: -(i * SUPPRESSED_PURPOSES.size + j + 1),
        purpose,
        channel: 'all',
        state: 'opt_out',
        legalBasis: 'legal_obligation',
        source: 'erasure',
        occurredAt: s.erasedAt,
        recordedAt: s.erasedAt,
        evidence: { type: 'erasure_suppression', identifier: s.kind },
        messageId: null,
      }),
    ),
  )
  return [...ledger.records, ...synthetic]
}

/** The state of every purpose and channel at `at`, for the profile API and the agent view. */
export function consentSummary(ledger: ConsentLedger, at: string, policy: ConsentPolicy) {
  const channels: ChannelOrAll[] = [...CONSENT_CHANNELS, 'all']
  return Object.fromEntries(
    policy.purposes.map((purpose) => [
      purpose,
      Object.fromEntries(
        channels.map((channel) => {
          const v = mayContact(ledger, purpose, channel, at, policy)
          return [channel, { allowed: v.allowed, state: v.state, since: v.record?.occurredAt ?? null, source: v.record?.source ?? null }]
        }),
      ),
    ]),
  )
}
