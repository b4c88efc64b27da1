/** Jurisdictions with built-in consent defaults (src/consent/rules.ts, docs/privacy.md). */
export const JURISDICTIONS = ['DE', 'US'] as const
export type Jurisdiction = (typeof JURISDICTIONS)[number]

/** What holds for a purpose and channel when the person has not decided (see src/consent/rules.ts). */
export const DEFAULT_RULES = ['opt_in_required', 'allowed_unless_objected'] as const

/** What a person's data may be used for. A deployment can add its own (config `consentPurposes`). */
export const CONSENT_PURPOSES = ['marketing', 'personalization', 'profiling', 'analytics', 'third_party_sharing'] as const

/** The ways salestwin reaches a person. `all` in a consent change means every one of them. */
export const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'post', 'push', 'web', 'in_store', 'call_center'] as const
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number]
/** Outbound channels: salestwin sends (decide run); quiet hours apply. The others answer a request. */
export const OUTBOUND_CHANNELS = ['email', 'sms', 'push', 'post', 'phone'] as const satisfies readonly ConsentChannel[]

export const CONSENT_STATES = ['opt_in', 'opt_out', 'unknown'] as const
export type ConsentState = (typeof CONSENT_STATES)[number]

/** GDPR art. 6 bases salestwin records; `legal_obligation` is what an erasure's suppression rests on. */
export const LEGAL_BASES = ['consent', 'contract', 'legitimate_interest', 'legal_obligation'] as const
export type LegalBasis = (typeof LEGAL_BASES)[number]

/** Proof of a consent decision, e.g. `{ type: 'double_opt_in', reference: 'mail-4711', confirmedAt: '…' }`. */
export interface ConsentEvidence {
  type: string
  [detail: string]: unknown
}

/** One consent decision of a person, as it arrives (API, event or import). */
export interface ConsentChange {
  purpose: string
  channel: ConsentChannel | 'all'
  state: ConsentState
  legalBasis: LegalBasis
  /** Who reported it: the source of the event, `api:<key name>`, `import:<source>`, `erasure`. */
  source: string
  /** When the person decided (event time); the later decision wins, whatever order they arrive in. */
  occurredAt: string
  evidence: ConsentEvidence | null
  /** The event that carried it, if one did. */
  messageId: string | null
}

/** A stored consent change: the ledger keeps every one (history), never overwrites. */
export interface ConsentRecord extends ConsentChange {
  id: number
  recordedAt: string
}

/** An erased person's email or phone, kept only as a salted hash, with the time of the erasure. */
export interface Suppression {
  hash: string
  kind: string
  erasedAt: string
}
