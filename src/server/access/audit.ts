import type { FastifyRequest } from 'fastify'
import type { Role } from '../../core/api-key.js'
import { AppError, describeValue } from '../../core/errors.js'
import type { NewAuditEntry, Store } from '../../store/store.js'
import { WriteQueue } from '../../store/write-queue.js'
import { principalOf } from './guard.js'

/** The purpose a read is for, when the caller does not say (header `X-Salestwin-Purpose`). */
const DEFAULT_PURPOSE: Record<Role, string> = {
  source: 'collection',
  agent: 'customer_service',
  analyst: 'analytics',
  marketer: 'campaign_management',
  admin: 'administration',
}

const PURPOSE = /^[a-z][a-z0-9_]{0,62}$/

/** The purpose the caller names in `X-Salestwin-Purpose` (snake_case), else its role's default. */
export function purposeOf(request: FastifyRequest, role: Role): string {
  const asked = request.headers['x-salestwin-purpose']
  if (asked === undefined) return DEFAULT_PURPOSE[role]
  if (typeof asked !== 'string' || !PURPOSE.test(asked)) {
    throw new AppError('REQUEST_INVALID', `x-salestwin-purpose must be a snake_case purpose such as customer_service, got ${describeValue(asked)}`)
  }
  return asked
}

/**
 * The audit log: every read of a person's data and every consent change, with who (key), what,
 * whose, when and what for. Lines are written (group-committed) before the response goes out, so
 * a read that could not be logged is not served.
 */
export class AuditLog {
  private readonly queue: WriteQueue<NewAuditEntry>

  constructor(store: Store) {
    this.queue = new WriteQueue(store, (tx, entries) => tx.appendAudit(entries))
  }

  /** Logs what a request did with a person's data (or with keys); resolves when the line is durable. */
  async record(request: FastifyRequest, action: string, profileId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await this.queue.push([auditEntry(request, action, profileId, detail)])
  }

  /** Logs one line per profile a request disclosed (one line without a profile when it disclosed none). */
  async recordEach(request: FastifyRequest, action: string, profileIds: string[], detail: Record<string, unknown> = {}): Promise<void> {
    const ids = profileIds.length > 0 ? profileIds : [null]
    await this.queue.push(ids.map((id) => auditEntry(request, action, id, detail)))
  }
}

/** The audit line of a request, for writes that log in their own transaction (consent changes, erasure). */
export function auditEntry(request: FastifyRequest, action: string, profileId: string | null, detail: Record<string, unknown> = {}): NewAuditEntry {
  const principal = principalOf(request)
  const purpose = purposeOf(request, principal.role)
  return { at: new Date().toISOString(), keyId: principal.keyId, actor: principal.name, role: principal.role, action, profileId, purpose, detail }
}

/** Writes the audit line of an action done outside HTTP (see {@link localAuditEntry}); resolves when durable. */
export async function appendLocalAudit(store: Store, ...line: Parameters<typeof localAuditEntry>): Promise<void> {
  await store.write((tx) => tx.appendAudit([localAuditEntry(...line)]))
}

/** The audit line of an action done outside HTTP (the CLI, run by someone with access to the store). */
export function localAuditEntry(actor: string, action: string, profileId: string | null, purpose: string, detail: Record<string, unknown> = {}): NewAuditEntry {
  return { at: new Date().toISOString(), keyId: null, actor, role: 'admin', action, profileId, purpose, detail }
}
