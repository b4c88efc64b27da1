import type { Generated } from 'kysely'
import type { QuarantineSeverity } from './store.js'

/** Table shapes as Kysely sees them. Times are ISO-8601 UTC strings, which sort as text. */
export interface Database {
  sources: { name: string; created_at: string }
  api_keys: {
    id: string
    name: string
    role: string
    source: string | null
    hash: string
    hint: string
    created_at: string
    revoked_at: string | null
  }
  consent_records: {
    id: Generated<number>
    identity_key: string
    purpose: string
    channel: string
    state: string
    legal_basis: string
    source: string
    occurred_at: string
    recorded_at: string
    evidence: string | null
    message_id: string | null
  }
  suppressions: { hash: string; kind: string; erased_at: string }
  settings: { key: string; value: string }
  audit_log: {
    id: Generated<number>
    at: string
    key_id: string | null
    actor: string
    role: string
    action: string
    profile_id: string | null
    purpose: string
    detail: string
  }
  profiles: { id: string; created_at: string; merged_into: string | null }
  identifiers: { key: string; kind: string; value: string; profile_id: string; first_seen: string }
  identity_links: { a: string; b: string; ts: string; message_id: string }
  identity_merges: {
    id: Generated<number>
    from_profile: string
    into_profile: string
    message_id: string
    at: string
  }
  identity_conflicts: { message_id: string; a: string; b: string; kind: string; reason: string; at: string }
  events: {
    message_id: string
    profile_id: string
    identity_key: string
    type: string
    event: string | null
    ts: string
    received_at: string
    source: string
    channel: string
    user_id: string | null
    anonymous_id: string | null
    has_traits: number
    revenue: number | null
    cost: number | null
    currency: string | null
    /** Campaign context and referrer, for attribution without payloads (migration 0010). */
    utm_source: string | null
    utm_medium: string | null
    utm_campaign: string | null
    referrer: string | null
    payload: string
  }
  name_terms: { identity_key: string; term: string }
  /** Events per UTC day, source, channel and type, kept by every write (migration 0012). */
  event_counts: { day: string; source: string; channel: string; type: string; n: number | string }
  /** Running totals: 'live_profiles'. */
  counters: { name: string; n: number | string }
  /** The latest result of each periodic refresh by kind (attribution, consent figures), as JSON. */
  aggregates: { kind: string; computed_at: string; data: string }
  catalog_versions: { version: number; applied_at: string; applied_by: string; spec: string }
  decisions: { id: string; profile_id: string | null; at: string; channel: string; placement: string; catalog_version: number; continues: string | null; offers: string; explanation: string; learning: string | null }
  learning_examples: { decision_id: string; offer_id: string; label: number; at: string; folded: number }
  learning_state: { key: string; version: number | string; data: string; updated_at: string }
  campaign_reach: { campaign_id: string; profile_id: string; first_at: string; e30: number | null; e90: number | null; e365: number | null; spend: number | null }
  experiment_members: { campaign_id: string; profile_id: string; grp: string; first_at: string }
  learning_daily: { day: string; offer_id: string; arm: string; campaign_id: string; n: number; positives: number; predicted: number; variance: number; brier: number; log_loss: number; bands: string }
  decision_outcomes: { decision_id: string; offer_id: string; outcome: string; at: string; value: number | null; source: string }
  campaign_usage: { campaign_id: string; day: string; n: number | string }
  log_positions: { name: string; position: number | string }
  deliveries: { decision_id: string; destination: string; channel: string; status: string; attempts: number; last_error: string | null; created_at: string; updated_at: string }
  next_best_offers: { profile_id: string; computed_at: string; catalog_version: number; data: string }
  computed_values: { profile_id: string; kind: string; computed_at: string; data: string }
  value_runs: { id: Generated<number>; computed_at: string; data: string }
  spend: { day: string; channel: string; campaign: string; cost: number }
  quarantine: {
    id: Generated<number>
    source: string
    received_at: string
    message_id: string | null
    reason: string
    raw: string
    severity: QuarantineSeverity
  }
}
