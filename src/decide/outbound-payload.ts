import type { Profile } from '../core/profile.js'
import type { StoredDecision } from '../store/store.js'
import type { DecisionChannel } from './catalog-schema.js'
import type { RankedOffer } from './engine.js'

/** Who an outbound decision goes to: the profile's identifiers a channel needs. */
export interface Recipient {
  profileId: string
  userId: string | null
  email: string | null
  phone: string | null
  name: string | null
  address: unknown
}

/** What a destination receives for one decision (docs/decide.md, "Outbound"). */
export interface DeliveryPayload {
  type: 'salestwin.decision'
  /** The decision id: the same on every attempt, so the receiver takes a repeated delivery once. */
  idempotencyKey: string
  decisionId: string
  decidedAt: string
  channel: string
  placement: string
  catalogVersion: number
  continues: string | null
  recipient: Recipient
  offers: { campaign: string; offer: string; name: string; content: RankedOffer['content']; score: number }[]
}

export function recipientOf(profile: Profile): Recipient {
  const first = (kind: string) => profile.identifiers.find((i) => i.kind === kind)?.value ?? null
  const trait = (key: string) => profile.traits[key]?.value
  const name = trait('name') ?? ([trait('firstName') ?? trait('first_name'), trait('lastName') ?? trait('last_name')].filter(Boolean).join(' ') || null)
  return { profileId: profile.id, userId: first('userId'), email: first('email'), phone: first('phone'), name: typeof name === 'string' ? name : null, address: trait('address') ?? null }
}

/** The identifier kind a channel reaches a profile by; post needs an `address` trait instead. */
export const ADDRESS_KIND: Partial<Record<DecisionChannel, 'email' | 'phone' | 'userId'>> = { email: 'email', sms: 'phone', phone: 'phone', push: 'userId' }

/** Why a recipient cannot be reached on a channel (no address for it), or null. */
export function unreachable(r: Recipient, channel: DecisionChannel): string | null {
  const kind = ADDRESS_KIND[channel]
  if (kind) return r[kind] ? null : `the profile has no ${kind} to reach it by ${channel}`
  if (channel === 'post' && !r.address) return 'the profile has no address trait'
  return null
}

export function payloadOf(d: StoredDecision, recipient: Recipient): DeliveryPayload {
  return {
    type: 'salestwin.decision',
    idempotencyKey: d.id,
    decisionId: d.id,
    decidedAt: d.at,
    channel: d.channel,
    placement: d.placement,
    catalogVersion: d.catalogVersion,
    continues: d.continues,
    recipient,
    offers: (d.offers as RankedOffer[]).map((o) => ({ campaign: o.campaign, offer: o.offer, name: o.name, content: o.content, score: o.score })),
  }
}

/** The columns of a CSV export: one row per offer of a decision. */
export const CSV_COLUMNS = ['decision_id', 'decided_at', 'channel', 'profile_id', 'user_id', 'email', 'phone', 'name', 'campaign', 'offer', 'offer_name', 'subject', 'title', 'body', 'script', 'url', 'score'] as const

export function csvRowsOf(p: DeliveryPayload): Record<(typeof CSV_COLUMNS)[number], string | number | null>[] {
  return p.offers.map((o) => ({
    decision_id: p.decisionId,
    decided_at: p.decidedAt,
    channel: p.channel,
    profile_id: p.recipient.profileId,
    user_id: p.recipient.userId,
    email: p.recipient.email,
    phone: p.recipient.phone,
    name: p.recipient.name,
    campaign: o.campaign,
    offer: o.offer,
    offer_name: o.name,
    subject: o.content?.subject ?? null,
    title: o.content?.title ?? null,
    body: o.content?.body ?? null,
    script: o.content?.script ?? null,
    url: o.content?.url ?? null,
    score: o.score,
  }))
}
