import type { Kysely, Migration } from 'kysely'

/**
 * 0016: campaign budgets (issue 11, point 3). `campaign_usage` keeps a campaign's spend in cents in
 * its row `day = 'budget'`; PostgreSQL's `integer` would end at 21 million, so `n` becomes `bigint`
 * there. SQLite's integers are 64-bit already.
 */
export function campaignSpend(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') await db.schema.alterTable('campaign_usage').alterColumn('n', (c) => c.setDataType('bigint')).execute()
    },
  }
}
