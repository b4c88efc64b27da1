import type { ConsentService } from '../consent/consent-service.js'
import { mayContact } from '../consent/may-contact.js'
import type { ConsentPolicy } from '../consent/rules.js'
import { AppError } from '../core/errors.js'
import { drainOutbox, type DrainReport, type Prepared, type Sender } from '../destinations/outbox.js'
import type { Delivery, Store } from '../store/store.js'
import { decisionChannel, OUTBOUND_CHANNELS, type DecisionChannel } from './catalog-schema.js'
import type { DecideService } from './decide-service.js'
import { consentPurposes, type RankedOffer } from './engine.js'
import { ADDRESS_KIND, payloadOf, recipientOf, unreachable, type DeliveryPayload } from './outbound-payload.js'

export interface OutboundDeps {
  store: Store
  decide: DecideService
  consent: ConsentService
  policy: ConsentPolicy
  now?: () => Date
}

export interface OutboundOptions {
  channel: string
  /** Where the run's decisions go: a webhook or an export file, as a {@link Sender} (destinations/). */
  sender: Sender
  /** New decisions at most in this run (default: every customer with an offer due). */
  limit?: number
  /** Decide only; leave the deliveries pending (the outbox is sent by the next run, or by another node). */
  decideOnly?: boolean
  onProgress?: (phase: 'decide' | 'deliver', done: number) => void
}

export interface OutboundReport extends DrainReport {
  channel: DecisionChannel
  destination: string
  /** Profiles looked at: those with an address on the channel (for post: every live profile). */
  profiles: number
  /** Decisions made and put into the outbox by this run. */
  due: number
  /** Profiles left out because the channel has no address of theirs. */
  unreachable: number
  seconds: number
}

const PAGE = 500

/**
 * An outbound run (issue 11, point 6; docs/decide.md): for every live profile reachable on the
 * channel, decides; a due offer is stored as a decision with a pending delivery in one write
 * (decide-service.ts). Then the outbox is sent: right before each delivery the consent gate is asked
 * again, so an opt-out that arrives between decision and delivery stops it.
 */
export async function runOutbound(deps: OutboundDeps, opts: OutboundOptions): Promise<OutboundReport> {
  const started = Date.now()
  const channel = decisionChannel(opts.channel)
  if (!OUTBOUND_CHANNELS.includes(channel)) throw new AppError('REQUEST_INVALID', `decide run is for the outbound channels ${OUTBOUND_CHANNELS.join(', ')}, got "${channel}"`)
  const report: OutboundReport = { channel, destination: opts.sender.id, profiles: 0, due: 0, unreachable: 0, delivered: 0, failed: 0, suppressed: 0, busy: 0, seconds: 0 }
  const limit = opts.limit ?? Number.POSITIVE_INFINITY
  // Email, sms, phone and push reach a profile by an identifier: only those that hold one are read.
  const kind = ADDRESS_KIND[channel]
  let after: string | null = null
  let finished = false
  while (report.due < limit) {
    const ids: string[] = kind ? await deps.store.profiles.liveIdsWith(kind, after, PAGE) : await deps.store.profiles.liveIds(after, PAGE)
    if (ids.length === 0) {
      finished = true
      break
    }
    for (const profileId of ids) {
      if (report.due >= limit) break
      report.profiles++
      if (!kind) {
        const profile = await deps.store.profiles.get(profileId)
        if (!profile || unreachable(recipientOf(profile), channel)) {
          report.unreachable++
          continue
        }
      }
      if (await deps.decide.decideToDeliver(profileId, channel, opts.sender.id)) report.due++
    }
    opts.onProgress?.('decide', report.profiles)
    after = ids.at(-1)!
  }
  // The live profiles the run did not look at because the channel has no address of theirs.
  if (kind && finished) report.unreachable = Math.max(0, (await deps.store.events.counts()).profiles - report.profiles)
  if (!opts.decideOnly) {
    const sent = await drainOutbox(deps.store, opts.sender, (d) => prepareDelivery(deps, d), { ...(deps.now ? { now: deps.now } : {}), onProgress: (n) => opts.onProgress?.('deliver', n) })
    Object.assign(report, sent)
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10
  return report
}

/**
 * Right before a delivery: the decision must still exist (not erased), its profile be reachable on
 * the channel, and the consent gate allow every offer's purpose there now. The body otherwise.
 */
export async function prepareDelivery(deps: Pick<OutboundDeps, 'store' | 'decide' | 'consent' | 'policy' | 'now'>, d: Delivery): Promise<Prepared> {
  const decision = await deps.store.decisions.decision(d.decisionId)
  if (!decision || decision.profileId === null) return { suppress: 'the decision is gone (its profile was erased)' }
  const at = (deps.now?.() ?? new Date()).toISOString()
  // Stopped here, the offers never reached the customer: recorded as `not_delivered`, so they count as
  // no contact and no negative in the customer's history (history.ts).
  const stop = async (why: string): Promise<Prepared> => {
    const offers = decision.offers as RankedOffer[]
    await deps.store.write((tx) => tx.insertOutcomes(offers.map((o) => ({ decisionId: decision.id, offerId: o.offer, outcome: 'not_delivered', at, value: null, source: 'delivery' }))))
    return { suppress: why }
  }
  const profile = await deps.store.profiles.get(decision.profileId)
  if (!profile) return { suppress: 'the profile is gone' }
  const recipient = recipientOf(profile)
  const channel = decision.channel as DecisionChannel
  const why = unreachable(recipient, channel)
  if (why) return stop(why)
  const ledger = await deps.consent.ledgerOf(profile.id)
  for (const offer of decision.offers as RankedOffer[]) {
    const purpose = deps.decide.catalog?.campaigns.find((c) => c.id === offer.campaign)?.purpose ?? 'marketing'
    for (const p of consentPurposes(purpose, true)) {
      const verdict = mayContact(ledger, p, channel, at, deps.policy)
      if (!verdict.allowed) return stop(`consent withdrawn before delivery: ${p} by ${channel}: ${verdict.reason}`)
    }
  }
  return { body: JSON.stringify(payloadOf(decision, recipient) satisfies DeliveryPayload) }
}
