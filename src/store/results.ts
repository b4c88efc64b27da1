import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** The periodic refresh's kept results (attribution, consent figures), one current row per kind, for the API to serve. */
export interface ResultStore {
  /** Keeps the latest result of a refresh of this kind, replacing the one before. */
  put(kind: string, computedAt: string, data: unknown): Promise<void>
  latest(kind: string): Promise<{ computedAt: string; data: unknown } | null>
}

export class SqlResultStore implements ResultStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(kind: string, computedAt: string, data: unknown): Promise<void> {
    await this.db
      .insertInto('aggregates')
      .values({ kind, computed_at: computedAt, data: JSON.stringify(data) })
      .onConflict((oc) => oc.column('kind').doUpdateSet((eb) => ({ computed_at: eb.ref('excluded.computed_at'), data: eb.ref('excluded.data') })))
      .execute()
  }

  async latest(kind: string): Promise<{ computedAt: string; data: unknown } | null> {
    const row = await this.db.selectFrom('aggregates').selectAll().where('kind', '=', kind).executeTakeFirst()
    return row ? { computedAt: row.computed_at, data: JSON.parse(row.data) as unknown } : null
  }
}
