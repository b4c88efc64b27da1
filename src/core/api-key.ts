import { hashSecret, newApiKey, newKeyId, newWriteKey } from './ids.js'

/**
 * Who may do what (docs/access.md):
 * - `source` sends events for its own source only (a source's write key);
 * - `agent` reads single profiles and records consent and outcomes (call center, sales rep);
 * - `analyst` reads aggregates and pseudonymized exports, never a person's raw data;
 * - `marketer` edits the decisioning catalog (campaigns, offers, rules) and reads aggregates, no raw personal data;
 * - `admin` does everything, including keys, audit, export and erasure.
 */
export const ROLES = ['source', 'agent', 'analyst', 'marketer', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** A stored API key: only the hash of the secret and a hint of its first characters are kept. */
export interface ApiKey {
  id: string
  name: string
  role: Role
  /** For role `source`: the source whose events the key sends. */
  source: string | null
  hash: string
  hint: string
  createdAt: string
  revokedAt: string | null
}

/**
 * A new key: the secret to show once, and the row to store.
 *
 * @example
 * const { secret, key } = mintKey('analyst', 'bi-export', null, new Date().toISOString())
 */
export function mintKey(role: Role, name: string, source: string | null, createdAt: string): { secret: string; key: ApiKey } {
  const secret = role === 'source' ? newWriteKey() : newApiKey()
  return {
    secret,
    key: { id: newKeyId(), name, role, source, hash: hashSecret(secret), hint: `${secret.slice(0, 7)}…`, createdAt, revokedAt: null },
  }
}
