import { describeValue } from '../core/errors.js'
import type { InvalidIdentifier } from '../identity/extract-identifiers.js'

/**
 * Data-quality warnings of a valid event, from the emails and phones identifier extraction found
 * invalid: the event is stored and the value kept as a trait, but it identifies nobody; the warning
 * names the field and the value so the source can be fixed.
 *
 * @example
 * dataQualityWarnings([{ kind: 'email', field: 'traits.email', value: 'not-an-email' }], (f) => `batch[0].${f}`, 'DE')
 * // → ['batch[0].traits.email is not a valid email address, got "not-an-email": kept as a trait, not used to identify the person']
 */
export function dataQualityWarnings(invalid: readonly InvalidIdentifier[], at: (field: string) => string, defaultCountry: string): string[] {
  return invalid.map(({ kind, field, value }) => {
    const what = kind === 'email' ? 'a valid email address' : `a valid phone number (default country ${defaultCountry})`
    return `${at(field)} is not ${what}, got ${describeValue(value)}: kept as a trait, not used to identify the person`
  })
}
