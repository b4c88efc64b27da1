import { AppError } from '../core/errors.js'
import { identifierKey } from '../core/identifier.js'
import { normalizeEmail, normalizePhone } from './extract-identifiers.js'

/** One identifier to find a person by, as the profile API and the privacy CLI take it. */
export interface IdentifierLookup {
  email?: string
  phone?: string
  userId?: string
  anonymousId?: string
  /** `type:value`, e.g. `crm:K-1` */
  externalId?: string
}

/**
 * The store key of the identifier a lookup names, normalized as collection normalizes it (emails
 * lower-cased, phones E.164), so that a lookup finds what ingest stored.
 *
 * @example
 * lookupKey({ email: 'Ada@Example.com' }, 'DE') // → 'email:ada@example.com'
 */
export function lookupKey(query: IdentifierLookup, defaultCountry: string): string {
  if (query.email !== undefined) {
    const email = normalizeEmail(query.email)
    if (!email) throw new AppError('REQUEST_INVALID', `email must be an email address, got "${query.email}"`)
    return identifierKey({ kind: 'email', value: email })
  }
  if (query.phone !== undefined) {
    const phone = normalizePhone(query.phone, defaultCountry)
    if (!phone) throw new AppError('REQUEST_INVALID', `phone must be a valid phone number, got "${query.phone}"`)
    return identifierKey({ kind: 'phone', value: phone })
  }
  if (query.userId !== undefined) return identifierKey({ kind: 'userId', value: query.userId })
  if (query.anonymousId !== undefined) return identifierKey({ kind: 'anonymousId', value: query.anonymousId })
  if (query.externalId !== undefined) {
    const colon = query.externalId.indexOf(':')
    if (colon <= 0) throw new AppError('REQUEST_INVALID', `externalId must be type:value, got "${query.externalId}"`)
    return identifierKey({ kind: `external:${query.externalId.slice(0, colon)}`, value: query.externalId.slice(colon + 1) })
  }
  throw new AppError('REQUEST_INVALID', 'one of q, email, userId, anonymousId, phone or externalId is required')
}
