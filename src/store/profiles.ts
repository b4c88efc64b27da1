import { sql, type Kysely } from 'kysely'
import type { CollectedEvent } from '../core/event.js'
import { parseIdentifierKey } from '../core/identifier.js'
import type { IdentityConflict, IdentityMerge } from '../core/identity-link.js'
import { foldTraits, type Profile, type TraitSource } from '../core/profile.js'
import { roundTo } from '../core/values.js'
import { escapeLike } from './erasure-plan.js'
import { personTraits } from './rows.js'
import type { Database } from './schema.js'
import { computedValuesOf } from './value-runs.js'

export interface IdentifierRow {
  key: string
  kind: string
  value: string
  profileId: string
  firstSeen: string
}

export interface ProfileSummary {
  id: string
  email: string | null
  name: string | null
}

/** Profiles and the identity graph that makes them, as people read them; the single writer (`WriteTx`) builds both. */
export interface ProfileStore {
  /** Follows merges: the id of the profile that now holds `profileId`, or null. */
  resolve(profileId: string): Promise<string | null>
  /** The profile an identifier key (`email:…`, `user_id:…`) belongs to, or null. */
  idOfIdentifier(key: string): Promise<string | null>
  /** The whole profile — identifiers, traits, event and order totals, current computed values — after following merges. */
  get(profileId: string): Promise<Profile | null>
  /** Profiles whose email or a name term starts with the query. */
  search(query: string, limit: number): Promise<ProfileSummary[]>
  /** The merges into a profile, oldest first. */
  mergesInto(profileId: string): Promise<IdentityMerge[]>
  /** The newest identity conflicts (links refused), newest first. */
  conflicts(limit: number): Promise<(IdentityConflict & { at: string })[]>
  /** Live (not merged-away) profile ids after `after`, in id order, `limit` at a time: for runs over every profile. */
  liveIds(after: string | null, limit: number): Promise<string[]>
  /** Like {@link liveIds}, only the profiles that hold an identifier of a kind (e.g. `email`: those an email can reach). */
  liveIdsWith(kind: string, after: string | null, limit: number): Promise<string[]>
  /** Every identifier with its profile; for tests and exports of the identity graph. */
  identifiers(): Promise<IdentifierRow[]>
  identifiersOf(profileId: string): Promise<IdentifierRow[]>
}

export class SqlProfileStore implements ProfileStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async resolve(profileId: string): Promise<string | null> {
    let id = profileId
    // A merge chain is short (each merge points at a live profile at the time), but never loop forever.
    for (let hop = 0; hop < 64; hop++) {
      const row = await this.db.selectFrom('profiles').select('merged_into').where('id', '=', id).executeTakeFirst()
      if (!row) return null
      if (row.merged_into === null) return id
      id = row.merged_into
    }
    throw new Error(`merge chain of profile ${profileId} is longer than 64 hops`)
  }

  async idOfIdentifier(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('identifiers').select('profile_id').where('key', '=', key).executeTakeFirst()
    return row?.profile_id ?? null
  }

  async get(profileId: string): Promise<Profile | null> {
    const id = await this.resolve(profileId)
    if (id === null) return null
    const events = () => this.db.selectFrom('events').where('profile_id', '=', id)
    const [identifiers, byTypeChannel, orders, traitRows, merges, computed, offers] = await Promise.all([
      this.db.selectFrom('identifiers').select(['kind', 'value']).where('profile_id', '=', id).orderBy('key').execute(),
      events()
        .select(['type', 'channel'])
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('ts').as('first'), eb.fn.max('ts').as('last')])
        .groupBy(['type', 'channel'])
        .execute(),
      events()
        .select('currency')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string>('revenue').as('revenue')])
        .where('event', '=', 'Order Completed')
        .groupBy('currency')
        .execute(),
      events().select(['ts', 'message_id', 'source', 'payload']).where('has_traits', '=', 1).execute(),
      this.mergesInto(id),
      computedValuesOf(this.db, id),
      this.db.selectFrom('next_best_offers').select(['computed_at', 'data']).where('profile_id', '=', id).executeTakeFirst(),
    ])
    const profile: Profile = {
      id,
      identifiers: identifiers.map((r) => parseIdentifierKey(`${r.kind}:${r.value}`)),
      traits: foldTraits(traitRows.map(toTraitSource)),
      firstSeen: null,
      lastSeen: null,
      eventCount: 0,
      eventsByType: {},
      eventsByChannel: {},
      orders: { count: 0, revenueByCurrency: {} },
      mergedFrom: merges.map((m) => m.fromProfile),
      computed: {
        ...Object.fromEntries(computed.map((c) => [c.kind, { computedAt: c.computedAt, ...c.data }])),
        ...(offers ? { nextBestOffers: { computedAt: offers.computed_at, ...(JSON.parse(offers.data) as Record<string, unknown>) } } : {}),
      },
    }
    for (const row of byTypeChannel) {
      const n = Number(row.n)
      profile.eventCount += n
      profile.eventsByType[row.type] = (profile.eventsByType[row.type] ?? 0) + n
      profile.eventsByChannel[row.channel] = (profile.eventsByChannel[row.channel] ?? 0) + n
      if (profile.firstSeen === null || row.first < profile.firstSeen) profile.firstSeen = row.first
      if (profile.lastSeen === null || row.last > profile.lastSeen) profile.lastSeen = row.last
    }
    for (const row of orders) {
      profile.orders.count += Number(row.n)
      const currency = row.currency ?? 'unknown'
      profile.orders.revenueByCurrency[currency] = roundTo(Number(row.revenue ?? 0), 2)
    }
    return profile
  }

  async search(query: string, limit: number): Promise<ProfileSummary[]> {
    const text = query.trim().toLowerCase()
    const prefix = `${escapeLike(text)}%`
    // Emails and name terms are stored lower-cased. In SQLite, whose text order is byte order, a
    // range from the prefix lets the primary keys find the matches (its LIKE cannot use an index
    // here); PostgreSQL's order follows the database's collation, so there LIKE alone decides.
    const inRange = this.dialect === 'sqlite'
    const byEmail = this.db
      .selectFrom('identifiers')
      .select('profile_id')
      .where('kind', '=', 'email')
      .where(sql<boolean>`value like ${prefix} escape '\\'`)
      .$if(inRange, (q) => q.where('key', '>=', `email:${text}`).where('key', '<', `email:${text}${LAST_CHARACTER}`))
    const byName = this.db
      .selectFrom('name_terms')
      .innerJoin('identifiers', 'identifiers.key', 'name_terms.identity_key')
      .select('identifiers.profile_id')
      .where(sql<boolean>`term like ${prefix} escape '\\'`)
      .$if(inRange, (q) => q.where('term', '>=', text).where('term', '<', `${text}${LAST_CHARACTER}`))
    const ids = (await byEmail.union(byName).limit(limit).execute()).map((r) => r.profile_id)
    if (ids.length === 0) return []
    // Two queries for all hits: their emails, and the events that carry traits (for the name).
    const [emails, traitRows] = await Promise.all([
      this.db.selectFrom('identifiers').select(['profile_id', 'value']).where('kind', '=', 'email').where('profile_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('events').select(['profile_id', 'ts', 'message_id', 'source', 'payload']).where('has_traits', '=', 1).where('profile_id', 'in', ids).execute(),
    ])
    return ids.map((id) => ({
      id,
      email: emails.find((e) => e.profile_id === id)?.value ?? null,
      name: displayName(foldTraits(traitRows.filter((r) => r.profile_id === id).map(toTraitSource))),
    }))
  }

  async mergesInto(profileId: string): Promise<IdentityMerge[]> {
    const rows = await this.db.selectFrom('identity_merges').selectAll().where('into_profile', '=', profileId).orderBy('id').execute()
    return rows.map((r) => ({ fromProfile: r.from_profile, intoProfile: r.into_profile, messageId: r.message_id, at: r.at }))
  }

  async conflicts(limit: number): Promise<(IdentityConflict & { at: string })[]> {
    const rows = await this.db.selectFrom('identity_conflicts').selectAll().orderBy('at', 'desc').limit(limit).execute()
    return rows.map((r) => ({ messageId: r.message_id, a: r.a, b: r.b, kind: r.kind, reason: r.reason as IdentityConflict['reason'], at: r.at }))
  }

  async liveIds(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('profiles')
      .select('id')
      .where('merged_into', 'is', null)
      .$if(after !== null, (q) => q.where('id', '>', after!))
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  async liveIdsWith(kind: string, after: string | null, limit: number): Promise<string[]> {
    // Identifiers belong to live profiles only: a merge moves them to the surviving profile.
    const rows = await this.db
      .selectFrom('identifiers')
      .select('profile_id')
      .distinct()
      .where('kind', '=', kind)
      .$if(after !== null, (q) => q.where('profile_id', '>', after!))
      .orderBy('profile_id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.profile_id)
  }

  async identifiers(): Promise<IdentifierRow[]> {
    const rows = await this.db.selectFrom('identifiers').selectAll().orderBy('key').execute()
    return rows.map(toIdentifierRow)
  }

  async identifiersOf(profileId: string): Promise<IdentifierRow[]> {
    const rows = await this.db.selectFrom('identifiers').selectAll().where('profile_id', '=', profileId).orderBy('key').execute()
    return rows.map(toIdentifierRow)
  }
}

function toTraitSource(row: { ts: string; message_id: string; source: string; payload: string }): TraitSource {
  const payload = JSON.parse(row.payload) as CollectedEvent
  return { timestamp: row.ts, messageId: row.message_id, source: row.source, traits: personTraits(payload) ?? {} }
}

function toIdentifierRow(r: Database['identifiers']): IdentifierRow {
  return { key: r.key, kind: r.kind, value: r.value, profileId: r.profile_id, firstSeen: r.first_seen }
}

function displayName(traits: Profile['traits']): string | null {
  const t = (k: string) => (typeof traits[k]?.value === 'string' ? (traits[k]!.value as string) : null)
  return t('name') ?? ([t('firstName') ?? t('first_name'), t('lastName') ?? t('last_name')].filter(Boolean).join(' ') || null)
}

/** The highest code point: every string that starts with a prefix sorts below prefix + this, in byte order. */
const LAST_CHARACTER = '\u{10FFFF}'
