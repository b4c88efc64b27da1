import { CONSENT_CHANNELS, CONSENT_PURPOSES, DEFAULT_RULES, type ConsentChannel, type Jurisdiction } from '../core/consent.js'
import { AppError } from '../core/errors.js'
export { JURISDICTIONS, type Jurisdiction } from '../core/consent.js'

/**
 * What holds when a person has not decided (or reset to `unknown`):
 * `opt_in_required` — no contact without an opt-in; `allowed_unless_objected` — contact is lawful
 * (legitimate interest, GDPR art. 6(1)(f)) until the person objects (art. 21).
 */
export type DefaultRule = (typeof DEFAULT_RULES)[number]

/** A channel, or `all` for processing that reaches the person on no channel (profiling, exports). */
export type ChannelOrAll = ConsentChannel | 'all'


/** The consent policy `mayContact` applies: defaults per purpose and channel, and where opt-ins need evidence. */
export interface ConsentPolicy {
  jurisdiction: Jurisdiction
  purposes: readonly string[]
  defaults: Record<string, Record<ChannelOrAll, DefaultRule>>
  /** Opt-ins on the legal basis `consent` for these purposes and channels must carry evidence. */
  evidenceRequired: Record<string, readonly ChannelOrAll[]>
}

export interface PolicyOverrides {
  jurisdiction?: Jurisdiction
  /** Purposes beyond the built-in five; they need an opt-in everywhere unless `rules` says otherwise. */
  purposes?: readonly string[]
  /** e.g. `{ marketing: { email: 'allowed_unless_objected' } }` for a B2B business. */
  rules?: Record<string, Partial<Record<ChannelOrAll, DefaultRule>>>
}

const ALL_CHANNELS: readonly ChannelOrAll[] = [...CONSENT_CHANNELS, 'all']

function row(optInRequired: readonly ChannelOrAll[]): Record<ChannelOrAll, DefaultRule> {
  return Object.fromEntries(
    ALL_CHANNELS.map((c) => [c, optInRequired.includes(c) ? 'opt_in_required' : 'allowed_unless_objected']),
  ) as Record<ChannelOrAll, DefaultRule>
}

/**
 * Germany: GDPR, the UWG and the TTDSG (see docs/privacy.md for each line).
 * - marketing: email, SMS and phone need prior express consent (UWG § 7(2)); push and on-site web
 *   advertising rest on cookies/device access, which need consent (TTDSG § 25); letters, in-store and
 *   inbound call-center offers are lawful until the person objects (GDPR art. 21(2)).
 * - personalization on web and push reads the device: consent (TTDSG § 25).
 * - third-party sharing always needs consent.
 */
const DE: Pick<ConsentPolicy, 'defaults' | 'evidenceRequired'> = {
  defaults: {
    marketing: row(['email', 'sms', 'phone', 'push', 'all']),
    personalization: row(['web', 'push']),
    profiling: row([]),
    analytics: row([]),
    third_party_sharing: row(ALL_CHANNELS),
  },
  evidenceRequired: {
    marketing: ['email', 'sms', 'phone', 'all'],
    third_party_sharing: ALL_CHANNELS,
  },
}

/**
 * United States: CAN-SPAM lets commercial email go out until the person opts out; the TCPA needs
 * prior express written consent for marketing texts and calls; CCPA/CPRA give an opt-out of sharing.
 */
const US: Pick<ConsentPolicy, 'defaults' | 'evidenceRequired'> = {
  defaults: {
    marketing: row(['sms', 'phone']),
    personalization: row([]),
    profiling: row([]),
    analytics: row([]),
    third_party_sharing: row([]),
  },
  evidenceRequired: { marketing: ['sms', 'phone'] },
}

/**
 * The policy for a jurisdiction with the deployment's overrides.
 *
 * @example
 * consentPolicy({ jurisdiction: 'DE', rules: { marketing: { email: 'allowed_unless_objected' } } })
 */
export function consentPolicy(overrides: PolicyOverrides = {}): ConsentPolicy {
  const jurisdiction = overrides.jurisdiction ?? 'DE'
  const base = jurisdiction === 'DE' ? DE : US
  const purposes = [...new Set([...CONSENT_PURPOSES, ...(overrides.purposes ?? [])])]
  for (const purpose of Object.keys(overrides.rules ?? {})) {
    if (!purposes.includes(purpose)) {
      throw new AppError('CONFIG_INVALID', `consentRules (SALESTWIN_CONSENT_RULES) names purpose "${purpose}": must be one of ${purposes.join(', ')} (add new ones to consentPurposes)`)
    }
  }
  const defaults: Record<string, Record<ChannelOrAll, DefaultRule>> = {}
  for (const purpose of purposes) {
    defaults[purpose] = { ...(base.defaults[purpose] ?? row(ALL_CHANNELS)), ...(overrides.rules?.[purpose] ?? {}) }
  }
  return { jurisdiction, purposes, defaults, evidenceRequired: base.evidenceRequired }
}

/** The consent policy a configuration asks for (its jurisdiction, purposes and rules). */
export function policyOf(config: { jurisdiction: PolicyOverrides['jurisdiction']; consentPurposes: PolicyOverrides['purposes']; consentRules: PolicyOverrides['rules'] }): ConsentPolicy {
  return consentPolicy({ jurisdiction: config.jurisdiction, purposes: config.consentPurposes, rules: config.consentRules })
}
