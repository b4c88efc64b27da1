import { createHmac } from 'node:crypto'
import type { ConsentRecord } from '../core/consent.js'
import type { Store } from '../store/store.js'
import { mayContact } from './may-contact.js'
import type { ConsentPolicy } from './rules.js'

/**
 * The analysts' view of customers: each profile's computed values (CLV, P(alive), cluster, RFM …)
 * under a pseudonym (HMAC of the profile id under the store's salt, stable across exports), without
 * identifiers, traits or events; only people `mayContact` allows for `analytics` (processing on no
 * channel, `all`) are in it.
 */
export async function pseudonymizedProfiles(store: Store, policy: ConsentPolicy, at = new Date().toISOString()) {
  const [values, records, salt] = await Promise.all([store.values.ofKind('value'), store.consent.records(), store.consent.suppressionSalt()])
  const byProfile = new Map<string, ConsentRecord[]>()
  for (const r of records) {
    if (!byProfile.has(r.profileId)) byProfile.set(r.profileId, [])
    byProfile.get(r.profileId)!.push(r)
  }
  let withheld = 0
  const rows = []
  for (const v of values) {
    const verdict = mayContact({ records: byProfile.get(v.profileId) ?? [], suppressions: [] }, 'analytics', 'all', at, policy)
    if (!verdict.allowed) {
      withheld++
      continue
    }
    rows.push({ pseudonym: createHmac('sha256', salt).update(`profile:${v.profileId}`).digest('hex').slice(0, 24), computedAt: v.computedAt, ...v.data })
  }
  return { at, purpose: 'analytics', withheld, items: rows }
}
