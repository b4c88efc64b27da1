import { EVENT_KEY_SQL, eventKey, type EventKey } from './event-key.js'

/** One DELETE of an erasure, its SQL written with `{in:name}` list markers the dialect fills in. */
export interface ErasureStep {
  table: string
  sql: string
  lists: Record<string, string[]>
}

/**
 * What erasing a person deletes, in order, for both dialects: the rows of the profile and of the
 * profiles merged into it, of its identifiers, and quarantined payloads that carry its events' (source, message id)
 * or mention its identifier values. `{in:x}` stands for "IN the list x"; `{like:x}` for "LIKE any
 * pattern of x" (patterns escape with a backslash).
 */
export function erasurePlan(profiles: string[], identifiers: { key: string; value: string }[], events: EventKey[]): ErasureStep[] {
  const keys = identifiers.map((i) => i.key)
  const patterns = mentionPatterns(identifiers.map((i) => i.value))
  const lists = { profiles, keys, eventKeys: events.map(eventKey), patterns }
  const step = (table: string, sql: string): ErasureStep => ({ table, sql, lists })
  return [
    // The running counts lose what goes, before it goes (they hold no personal data).
    step(
      'event_counts',
      `UPDATE event_counts SET n = event_counts.n - gone.n
       FROM (SELECT substr(ts, 1, 10) AS day, source, channel, type, count(*) AS n FROM events
             WHERE profile_id {in:profiles} OR identity_key {in:keys} GROUP BY substr(ts, 1, 10), source, channel, type) AS gone
       WHERE event_counts.day = gone.day AND event_counts.source = gone.source AND event_counts.channel = gone.channel AND event_counts.type = gone.type`,
    ),
    step('counters', "UPDATE counters SET n = n - (SELECT count(*) FROM profiles WHERE id {in:profiles} AND merged_into IS NULL) WHERE name = 'live_profiles'"),
    step('events', 'DELETE FROM events WHERE profile_id {in:profiles} OR identity_key {in:keys}'),
    step('name_terms', 'DELETE FROM name_terms WHERE identity_key {in:keys}'),
    step('consent_records', 'DELETE FROM consent_records WHERE identity_key {in:keys}'),
    step('identity_links', 'DELETE FROM identity_links WHERE a {in:keys} OR b {in:keys}'),
    step('identity_conflicts', 'DELETE FROM identity_conflicts WHERE a {in:keys} OR b {in:keys}'),
    step('identity_merges', 'DELETE FROM identity_merges WHERE from_profile {in:profiles} OR into_profile {in:profiles}'),
    step('computed_values', 'DELETE FROM computed_values WHERE profile_id {in:profiles}'),
    // Decisions about the person, with their explanations (which quote the person's values) and outcomes.
    step('deliveries', 'DELETE FROM deliveries WHERE decision_id IN (SELECT id FROM decisions WHERE profile_id {in:profiles})'),
    step('learning_examples', 'DELETE FROM learning_examples WHERE decision_id IN (SELECT id FROM decisions WHERE profile_id {in:profiles})'),
    step('decision_outcomes', 'DELETE FROM decision_outcomes WHERE decision_id IN (SELECT id FROM decisions WHERE profile_id {in:profiles})'),
    step('decisions', 'DELETE FROM decisions WHERE profile_id {in:profiles}'),
    step('campaign_reach', 'DELETE FROM campaign_reach WHERE profile_id {in:profiles}'),
    step('experiment_members', 'DELETE FROM experiment_members WHERE profile_id {in:profiles}'),
    step('next_best_offers', 'DELETE FROM next_best_offers WHERE profile_id {in:profiles}'),
    // By (source, message id): another source may have used the same id for someone else's event.
    step('quarantine', `DELETE FROM quarantine WHERE ${EVENT_KEY_SQL} {in:eventKeys} OR raw {like:patterns}`),
    step('identifiers', 'DELETE FROM identifiers WHERE profile_id {in:profiles} OR key {in:keys}'),
    step('profiles', 'DELETE FROM profiles WHERE id {in:profiles}'),
  ]
}

/** The tables an erasure deletes from (or, for the running counts, subtracts from), in its order. */
export const ERASED_TABLES: readonly string[] = erasurePlan([], [], []).map((step) => step.table)

/**
 * LIKE patterns that find a quarantined raw payload (JSON text) mentioning any of these values, as
 * they appear inside a JSON string. Values under 3 characters are left out: they would match
 * nearly anything. Export and erasure both use these, so they find the same payloads.
 */
export function mentionPatterns(values: string[]): string[] {
  return values
    .map((v) => JSON.stringify(v).slice(1, -1))
    .filter((v) => v.length >= 3)
    .map((v) => `%${escapeLike(v)}%`)
}

/** Escapes LIKE's wildcards (and the escape character, a backslash) in a literal. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}
