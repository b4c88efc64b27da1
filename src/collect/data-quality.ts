import { describeValue } from '../core/errors.js'
import type { CollectedEvent } from '../core/event.js'
import { normalizeEmail, normalizePhone } from '../identity/extract-identifiers.js'
import { isPlainObject } from '../core/values.js'

/**
 * Data-quality warnings of a valid event: an email or phone trait that is not a valid email
 * address or phone number. The event is stored and the value kept as a trait, but it identifies
 * nobody; the warning names the field and the value so the source can be fixed.
 *
 * @example
 * dataQualityWarnings(event, (f) => `batch[0].${f}`, 'DE')
 * // → ['batch[0].traits.email is not a valid email address, got "not-an-email": kept as a trait, not used to identify the person']
 */
export function dataQualityWarnings(event: CollectedEvent, at: (field: string) => string, defaultCountry: string): string[] {
  const warnings: string[] = []
  const places: [string, Record<string, unknown>][] = []
  if (event.type === 'identify') places.push(['traits', event.traits])
  if (isPlainObject(event.context.traits)) places.push(['context.traits', event.context.traits])
  for (const [where, traits] of places) {
    const email = traits.email
    if (email !== undefined && email !== null && email !== '' && normalizeEmail(email) === null) {
      warnings.push(`${at(`${where}.email`)} is not a valid email address, got ${describeValue(email)}: kept as a trait, not used to identify the person`)
    }
    const phone = traits.phone
    if (phone !== undefined && phone !== null && phone !== '' && normalizePhone(phone, defaultCountry) === null) {
      warnings.push(`${at(`${where}.phone`)} is not a valid phone number (default country ${defaultCountry}), got ${describeValue(phone)}: kept as a trait, not used to identify the person`)
    }
  }
  return warnings
}
