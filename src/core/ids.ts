import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** A new random profile id. */
export function newProfileId(): string {
  return `prof_${randomUUID().replaceAll('-', '')}`
}

/** A new secret write key for a source. */
export function newWriteKey(): string {
  return `wk_${randomBytes(18).toString('base64url')}`
}

/** A stable id derived from its parts, used for imported rows so that a re-import is idempotent. */
export function stableId(prefix: string, ...parts: string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part).update('\u0000')
  return `${prefix}_${hash.digest('hex').slice(0, 32)}`
}
