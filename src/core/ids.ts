import { createHash, randomBytes } from 'node:crypto'

/**
 * A new profile id: time first, then randomness (as UUIDv7), so that new profiles land at the end
 * of every index keyed by profile id instead of on a random page each.
 */
export function newProfileId(): string {
  return `prof_${Date.now().toString(16).padStart(12, '0')}${randomHex(10)}`
}

// Ingest makes thousands of profile ids a second: one call into the CSPRNG per 400 of them, not per id.
let pool = Buffer.alloc(0)
let offset = 0

/** `bytes` random bytes as hex, from a pool refilled by the CSPRNG. */
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096)
    offset = 0
  }
  const hex = pool.toString('hex', offset, offset + bytes)
  offset += bytes
  return hex
}

/** A new secret write key for a source. */
export function newWriteKey(): string {
  return `wk_${randomBytes(18).toString('base64url')}`
}

/** A new secret API key for a role: `sk_` + 24 random bytes (32 characters) (a source's write key keeps `wk_`). */
export function newApiKey(): string {
  return `sk_${randomBytes(24).toString('base64url')}`
}

/** A short public id for a key, to list and revoke it by. */
export function newKeyId(): string {
  return `key_${randomBytes(6).toString('hex')}`
}

/**
 * The stored form of a secret key. Keys are 144+ random bits, so one SHA-256 is enough (no slow
 * password hash needed): the store never holds a usable key.
 */
export function hashSecret(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A stable id derived from its parts, used for imported rows so that a re-import is idempotent. */
export function stableId(prefix: string, ...parts: string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part).update('\u0000')
  return `${prefix}_${hash.digest('hex').slice(0, 32)}`
}
