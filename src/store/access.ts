import type { Kysely } from 'kysely'
import type { ApiKey as ApiKeyRow } from '../core/api-key.js'
import { idCursor, type Page } from './page.js'
import type { Database } from './schema.js'

export type { ApiKey as ApiKeyRow } from '../core/api-key.js'

export interface Source {
  name: string
  createdAt: string
}

/** One line of the audit log: who (key), what (action), whose data (profile), when, what for. */
export interface NewAuditEntry {
  at: string
  keyId: string | null
  actor: string
  role: string
  action: string
  profileId: string | null
  purpose: string
  detail: Record<string, unknown>
}

export interface AuditEntry extends NewAuditEntry {
  id: number
}

/** Who may do what: sources and their write keys, API keys, and the audit log of what they did. */
export interface AccessStore {
  createSource(name: string, createdAt: string): Promise<Source>
  listSources(): Promise<Source[]>
  putApiKey(key: ApiKeyRow): Promise<void>
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | null>
  listApiKeys(): Promise<ApiKeyRow[]>
  /** Marks a key revoked; false when no key has the id. */
  revokeApiKey(id: string, at: string): Promise<boolean>
  /** Newest first; audit lines are written through the single writer (`WriteTx.appendAudit`). */
  listAudit(opts: { limit: number; cursor?: string; profileId?: string }): Promise<Page<AuditEntry>>
}

export class SqlAccessStore implements AccessStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createSource(name: string, createdAt: string): Promise<Source> {
    await this.db.insertInto('sources').values({ name, created_at: createdAt }).execute()
    return { name, createdAt }
  }

  async listSources(): Promise<Source[]> {
    const rows = await this.db.selectFrom('sources').selectAll().orderBy('name').execute()
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at }))
  }

  async putApiKey(k: ApiKeyRow): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({ id: k.id, name: k.name, role: k.role, source: k.source, hash: k.hash, hint: k.hint, created_at: k.createdAt, revoked_at: k.revokedAt })
      .execute()
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRow | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst()
    return r ? toApiKey(r) : null
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toApiKey)
  }

  async revokeApiKey(id: string, at: string): Promise<boolean> {
    const exists = await this.db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst()
    if (!exists) return false
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute()
    return true
  }

  async listAudit(opts: { limit: number; cursor?: string; profileId?: string }): Promise<Page<AuditEntry>> {
    let query = this.db.selectFrom('audit_log').selectAll()
    if (opts.profileId) query = query.where('profile_id', '=', opts.profileId)
    if (opts.cursor) query = query.where('id', '<', idCursor(opts.cursor))
    const rows = await query.orderBy('id', 'desc').limit(opts.limit + 1).execute()
    const items = rows.slice(0, opts.limit).map((r) => ({
      id: Number(r.id),
      at: r.at,
      keyId: r.key_id,
      actor: r.actor,
      role: r.role,
      action: r.action,
      profileId: r.profile_id,
      purpose: r.purpose,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }))
    return { items, nextCursor: rows.length > opts.limit ? String(items.at(-1)?.id) : null }
  }
}

function toApiKey(r: Database['api_keys']): ApiKeyRow {
  return { id: r.id, name: r.name, role: r.role as ApiKeyRow['role'], source: r.source, hash: r.hash, hint: r.hint, createdAt: r.created_at, revokedAt: r.revoked_at }
}
