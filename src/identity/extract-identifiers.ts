import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import type { Identifier } from '../core/identifier.js'
import { isPlainObject } from '../core/values.js'

export interface IdentifierRules {
  /** Country for phone numbers written without +prefix. */
  defaultCountry: string
  /** trait name → external id type, e.g. `{ crm_id: 'crm' }`. */
  externalIdTraits: Readonly<Record<string, string>>
}

export interface IdentifierSource {
  userId: string | null
  anonymousId: string | null
  /** alias's previousId, read as the anonymousId it replaces. */
  previousId: string | null
  traits: Record<string, unknown>
  context: Record<string, unknown>
}

/** An email or phone an event carries that is not a valid one: kept as a trait, no identifier. */
export interface InvalidIdentifier {
  kind: 'email' | 'phone'
  /** Where it was: `traits.email`, `context.traits.phone`. */
  field: string
  value: unknown
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Lower-cases and trims an email; returns null when it is not one. */
export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const email = raw.trim().toLowerCase()
  return EMAIL.test(email) ? email : null
}

/** Returns the E.164 form of a phone number, or null when it is not a valid number. */
export function normalizePhone(raw: unknown, defaultCountry: string): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null
  const phone = parsePhoneNumberFromString(String(raw), defaultCountry as CountryCode)
  return phone?.isValid() ? phone.number : null
}

/**
 * Every identifier an event carries: userId, anonymousId (and alias's previousId), email and
 * phone from traits or context.traits, configured external-id traits and Segment's
 * `context.externalIds`. Values that are not valid emails or phones are not identifiers; they are
 * added to `invalid` when given (data-quality warnings), so nobody has to parse them a second time.
 *
 * @example
 * extractIdentifiers(
 *   { userId: 'u1', anonymousId: null, previousId: null, traits: { email: 'Ada@X.org' }, context: {} },
 *   { defaultCountry: 'DE', externalIdTraits: {} },
 * ) // [{ kind: 'userId', value: 'u1' }, { kind: 'email', value: 'ada@x.org' }]
 */
export function extractIdentifiers(src: IdentifierSource, rules: IdentifierRules, invalid?: InvalidIdentifier[]): Identifier[] {
  const found: Identifier[] = []
  const seen = new Set<string>()
  const add = (kind: Identifier['kind'], value: string | null) => {
    if (value === null || value === '') return
    const key = `${kind}:${value}`
    if (seen.has(key)) return
    seen.add(key)
    found.push({ kind, value })
  }
  add('userId', src.userId)
  add('anonymousId', src.anonymousId)
  add('anonymousId', src.previousId)
  const contextTraits = isPlainObject(src.context.traits) ? src.context.traits : {}
  for (const [where, traits] of [['traits', src.traits], ['context.traits', contextTraits]] as const) {
    for (const kind of ['email', 'phone'] as const) {
      const value = traits[kind]
      if (value === undefined || value === null || value === '') continue
      const normalized = kind === 'email' ? normalizeEmail(value) : normalizePhone(value, rules.defaultCountry)
      if (normalized === null) invalid?.push({ kind, field: `${where}.${kind}`, value })
      add(kind, normalized)
    }
    for (const [trait, type] of Object.entries(rules.externalIdTraits)) {
      const value = traits[trait]
      if (typeof value === 'string' || typeof value === 'number') add(`external:${type}`, String(value).trim())
    }
  }
  const externalIds = src.context.externalIds
  if (Array.isArray(externalIds)) {
    for (const ext of externalIds) {
      if (isPlainObject(ext) && typeof ext.type === 'string' && (typeof ext.id === 'string' || typeof ext.id === 'number')) {
        add(`external:${ext.type}`, String(ext.id).trim())
      }
    }
  }
  return found
}
