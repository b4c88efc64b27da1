import { randomUUID } from 'node:crypto'
import type { ConsentService } from '../consent/consent-service.js'
import type { ConsentPolicy } from '../consent/rules.js'
import { AppError } from '../core/errors.js'
import type { NewQuarantineEntry, Store, StoredEvent } from '../store/store.js'
import { TxQueue } from '../store/tx-queue.js'
import { compileCatalog, placementsOf, type Catalog } from './catalog.js'
import { decisionChannel, type DecisionChannel } from './catalog-schema.js'
import { decide, type CampaignUsage, type Explanation, type RankedOffer } from './engine.js'
import { anonymousFeatures, featuresOf, type CustomerFeatures } from './features.js'
import { OUTCOMES, reachedOn, type PastDecision } from './history.js'
import { conversionsOf, goalEvents, outcomeOfEvent } from './outcome-events.js'
import { toPast, unavailableUnlessApp } from './stored-decisions.js'
import { LearningLoop, type FoldReport } from './learning/loop.js'
import { randomSource, type Random } from './learning/random.js'
import { armFor, LABELS, reachOf, rootOf } from './showings.js'
import { knownRate, priorRate } from './learning/learner.js'
import { decideAll, type DecideAllOptions, type DecideAllReport } from './decide-all.js'
import { FeatureView, type ViewFeatures } from './feature-view.js'
import { DAY_MS } from '../core/time.js'

export interface DecideRequest {
  profileId?: string
  /** An identifier key as the identity room writes it (`userId:u-42`, `email:kim@example.com`); the caller turns a lookup into it. */
  identifierKey?: string
  channel: string
  placement?: string
  n?: number
  context?: { device?: string; page?: string }
}

export interface DecideResponse {
  decisionId: string
  profileId: string | null
  channel: DecisionChannel
  placement: string
  catalogVersion: number
  offers: Omit<RankedOffer, 'contextWeight' | 'levers'>[]
  /** The decision this one repeats on another channel, or null. */
  continues: string | null
  explanation: Explanation
}

export interface OutcomeRequest {
  decisionId: string
  offerId: string
  outcome: string
  value?: number
  profileId?: string
  source: string
  /** When the customer did it (default now); an event's time for outcomes that arrive as events. */
  at?: Date
}

/** How far back a customer's decisions count for caps, cool-downs and suppression. */
const HISTORY_DAYS = 180

/**
 * The engine over the store (docs/decide.md): keeps the current catalog and the offers'
 * propensities in memory, reads a customer's features and history, decides, reserves campaign
 * volume and stores the decision with its explanation in one write of the single writer.
 */
export class DecideService {
  private current: Catalog | null = null
  /** The learned propensities and the profiles with a decision within the history, read on first use (not by every CLI command that opens the runtime). */
  private learned: Promise<{ learning: LearningLoop; decided: Set<string> }> | null = null
  private readonly random: Random
  /** Decisions and outcomes of concurrent requests are committed together (group commit). */
  private readonly writes: TxQueue
  /** The customers' features between their changes (feature-view.ts); consent and contact history are read at each decision. */
  readonly view: FeatureView

  constructor(
    private readonly store: Store,
    private readonly consent: ConsentService,
    private readonly policy: ConsentPolicy,
    private readonly now: () => Date = () => new Date(),
    opts: { viewProfiles?: number; viewTtlMs?: number; random?: Random } = {},
  ) {
    this.writes = new TxQueue(store)
    this.random = opts.random ?? randomSource()
    this.view = new FeatureView((id) => this.readFeatures(id, this.now()), {
      maxProfiles: opts.viewProfiles ?? 50_000,
      ttlMs: opts.viewTtlMs ?? 60_000,
      now: () => this.now().getTime(),
    })
  }

  /** Loads the newest catalog version (one row); the offers' counts wait for the first decision or outcome. */
  async load(): Promise<this> {
    const latest = await this.store.decisions.latestCatalog()
    this.current = latest ? compileCatalog(latest.spec, { version: latest.version, purposes: this.policy.purposes }) : null
    return this
  }

  /**
   * The learned state (learning/loop.ts), and the profiles with a decision within the history (only
   * their goal events are looked at), from the store once.
   */
  private learn(): Promise<{ learning: LearningLoop; decided: Set<string> }> {
    this.learned ??= (async () => {
      const since = new Date(this.now().getTime() - HISTORY_DAYS * DAY_MS).toISOString()
      const learning = new LearningLoop(this.store, { minOutcomes: 50, priorVariance: 0.25 })
      learning.configure(this.current)
      const [, decided] = await Promise.all([learning.load(), this.store.decisions.profilesDecidedSince(since)])
      return { learning, decided: new Set(decided) }
    })()
    return this.learned
  }

  /** The learning loop, loaded. */
  async learning(): Promise<LearningLoop> {
    return (await this.learn()).learning
  }

  /** Folds every finished showing into the learned propensities now (the server does it on a timer). */
  async fold(): Promise<FoldReport> {
    return (await this.learning()).fold(this.current, this.now())
  }

  /** The service's clock (a test's controllable one). */
  time(): Date {
    return this.now()
  }

  get catalog(): Catalog | null {
    return this.current
  }

  /** Validates and compiles a catalog; unless a dry run, stores it as the next version and decides with it from now on. */
  async apply(input: unknown, appliedBy: string, opts: { dryRun?: boolean } = {}): Promise<{ version: number | null; campaigns: number; offers: number; dryRun: boolean }> {
    const compiled = compileCatalog(input, { version: 0, purposes: this.policy.purposes })
    const counts = { campaigns: compiled.campaigns.length, offers: compiled.offers.size }
    if (opts.dryRun) return { version: null, ...counts, dryRun: true }
    const version = await this.store.decisions.putCatalog(compiled.spec, appliedBy, this.now().toISOString())
    this.current = { ...compiled, version }
    void this.learned?.then(({ learning }) => learning.configure(this.current))
    return { version, ...counts, dryRun: false }
  }

  /**
   * Decides and stores the decision. A store that does not answer is a 503 with Retry-After
   * (STORE_UNAVAILABLE), never a 500: a decision is only given out once it is recorded, because its
   * caps and its outcomes depend on that (docs/decide.md).
   */
  async decide(req: DecideRequest): Promise<DecideResponse> {
    return unavailableUnlessApp(async () => (await this.decideOnce(req))!)
  }

  /**
   * An outbound decision (docs/decide.md, "Outbound"): decides for the profile on the channel and,
   * when an offer is due — one passed, and the customer has not had it on this channel yet — stores
   * the decision and its pending delivery to the destination in one write. Null when nothing is due.
   */
  async decideToDeliver(profileId: string, channel: string, destination: string): Promise<DecideResponse | null> {
    return unavailableUnlessApp(() => this.decideOnce({ profileId, channel }, destination))
  }

  private async decideOnce(req: DecideRequest, deliverTo?: string): Promise<DecideResponse | null> {
    const catalog = this.current
    if (!catalog) throw new AppError('CATALOG_INVALID', 'no catalog is applied yet: salestwin catalog apply FILE, or PUT /v1/catalog')
    const channel = decisionChannel(req.channel)
    const placement = req.placement ?? channel
    if (catalog.placements.get(placement)?.channel !== channel) {
      throw new AppError('REQUEST_INVALID', `placement must be one of ${placementsOf(catalog, channel).join(', ')} for channel ${channel}, got "${placement}"`)
    }
    const n = req.n ?? 1
    if (!Number.isInteger(n) || n < 1 || n > 20) throw new AppError('REQUEST_INVALID', `n must be an integer from 1 to 20, got ${JSON.stringify(req.n)}`)
    const at = this.now()
    const { learning, decided } = await this.learn()
    const profileId = await this.resolve(req)
    const [features, past, usage] = await Promise.all([this.featuresOf(profileId), this.pastOf(profileId, at), this.store.decisions.campaignUsage(at.toISOString().slice(0, 10))])
    const ctx = { channel, placement, at, ...(req.context?.device ? { device: req.context.device } : {}), ...(req.context?.page ? { page: req.context.page } : {}) }
    const full = new Set<string>()
    const arm = armFor(catalog, profileId ?? `anonymous:${randomUUID()}`)
    // Each retry leaves out one more campaign whose volume ran out meanwhile: at most one per campaign.
    for (let attempt = 0; attempt <= catalog.campaigns.length; attempt++) {
      const result = decide(ctx, n, {
        catalog,
        features,
        past,
        policy: this.policy,
        propensity: arm.strategy.propensity === 'learned' ? (features) => learning.beliefs(features) : arm.strategy.propensity === 'prior' ? () => priorRate : () => () => knownRate(1),
        modelVersion: learning.version,
        random: this.random,
        arm: arm.id,
        ...(arm.strategy.temperature !== undefined ? { temperature: arm.strategy.temperature } : {}),
        usage: (id): CampaignUsage => (full.has(id) ? { total: Number.MAX_SAFE_INTEGER, today: Number.MAX_SAFE_INTEGER } : (usage.get(id) ?? { total: 0, today: 0 })),
      })
      const id = `dec_${randomUUID()}`
      const continues = result.explanation.continues
      if (deliverTo !== undefined && (result.offers.length === 0 || (continues !== null && reachedOn(past, continues, channel)))) return null
      const stored = await this.writes.run(async (tx) => {
        if (continues === null) {
          const day = at.toISOString().slice(0, 10)
          const taken: { campaign: string; cost: number }[] = []
          for (const offer of result.offers) {
            const campaign = catalog.campaigns.find((c) => c.id === offer.campaign)!
            const cost = catalog.offers.get(offer.offer)!.cost
            if (await tx.reserveCampaign(campaign.id, day, campaign.caps, cost)) taken.push({ campaign: campaign.id, cost })
            else {
              // Another request took the last of this campaign's volume or budget since it was read: decide again without it.
              for (const t of taken) await tx.releaseCampaign(t.campaign, day, t.cost)
              full.add(campaign.id)
              return false
            }
          }
        }
        const learned = continues === null && result.offers.length > 0 ? result.explanation.policy : null
        await tx.insertDecisions([{ id, profileId, at: at.toISOString(), channel, placement, catalogVersion: catalog.version, continues, offers: result.offers, explanation: result.explanation, learning: learned }])
        if (deliverTo !== undefined) await tx.insertDeliveries([{ decisionId: id, destination: deliverTo, channel, at: at.toISOString() }])
        if (profileId !== null && continues === null && result.offers.length > 0) await tx.insertReach(reachOf(result.offers, profileId, features, at))
        if (profileId !== null && result.groups.length > 0) await tx.insertMembers(result.groups.map((g) => ({ campaignId: g.campaign, profileId, group: g.group, at: at.toISOString() })))
        return true
      })
      if (!stored) continue
      if (profileId !== null && result.offers.length > 0) decided.add(profileId)
      return {
        decisionId: id,
        profileId,
        channel,
        placement,
        catalogVersion: catalog.version,
        offers: result.offers.map(({ contextWeight: _c, levers: _l, ...offer }) => offer),
        continues,
        explanation: result.explanation,
      }
    }
    throw new Error(`decide: campaign volume reservations failed ${catalog.campaigns.length + 1} times for one decision (caps: ${[...full].join(', ')})`)
  }

  /** Records what the customer did with an offer of a decision; the same outcome twice counts once. */
  async recordOutcome(req: OutcomeRequest): Promise<{ recorded: boolean; duplicate: boolean }> {
    return unavailableUnlessApp(() => this.recordOutcomeOnce(req))
  }

  private async recordOutcomeOnce(req: OutcomeRequest): Promise<{ recorded: boolean; duplicate: boolean }> {
    if (!(OUTCOMES as readonly string[]).includes(req.outcome)) throw new AppError('REQUEST_INVALID', `outcome must be one of ${OUTCOMES.join(', ')}, got "${req.outcome}"`)
    if (req.value !== undefined && !(typeof req.value === 'number' && Number.isFinite(req.value) && req.value >= 0)) {
      throw new AppError('REQUEST_INVALID', `value must be a number of at least 0, got ${JSON.stringify(req.value)}`)
    }
    const d = await this.store.decisions.decision(req.decisionId)
    if (!d) throw new AppError('DECISION_NOT_FOUND', `no decision has id "${req.decisionId}"`)
    const offer = (d.offers as RankedOffer[]).find((o) => o.offer === req.offerId)
    if (!offer) throw new AppError('DECISION_NOT_FOUND', `decision ${d.id} made no offer "${req.offerId}"; it made ${(d.offers as RankedOffer[]).map((o) => o.offer).join(', ') || 'none'}`)
    if (req.profileId !== undefined && d.profileId !== null && (await this.store.profiles.resolve(req.profileId)) !== d.profileId) {
      throw new AppError('OUTCOME_CONFLICT', `decision ${d.id} was made for another profile than ${req.profileId}`)
    }
    const now = req.at ?? this.now()
    const windowDays = this.current?.campaigns.find((c) => c.id === offer.campaign)?.responseWindowDays ?? 7
    const expires = Date.parse(d.at) + windowDays * DAY_MS
    if (now.getTime() > expires) throw new AppError('OUTCOME_CONFLICT', `decision ${d.id} expired ${new Date(expires).toISOString()} (response window ${windowDays} days); the offer counts as ignored`)
    const label = LABELS[req.outcome]
    // The showing to learn from is the policy's decision: a continuation repeats it on another channel.
    const shown = label === undefined ? null : await this.policyDecisionOf(d)
    const stored = await this.writes.run(async (tx) => {
      const rows = await tx.insertOutcomes([{ decisionId: d.id, offerId: req.offerId, outcome: req.outcome, at: now.toISOString(), value: req.value ?? null, source: req.source }])
      if (rows.length > 0 && shown !== null && label !== undefined) await tx.insertExamples([{ decisionId: shown, offerId: req.offerId, label, at: now.toISOString() }])
      return rows
    })
    return { recorded: stored.length > 0, duplicate: stored.length === 0 }
  }

  /** Every profile's best offers per channel, stored as `computed.nextBestOffers` (decide-all.ts). */
  async decideAll(opts: Omit<DecideAllOptions, 'at'> = {}): Promise<DecideAllReport> {
    const catalog = this.current
    if (!catalog) throw new AppError('CATALOG_INVALID', 'no catalog is applied yet: salestwin catalog apply FILE, or PUT /v1/catalog')
    const read = {
      features: async (id: string, at: Date): Promise<CustomerFeatures> => {
        const [features, ledger] = await Promise.all([this.readFeatures(id, at), this.consent.ledgerOf(id)])
        return features ? { ...features, ledger } : anonymousFeatures()
      },
      past: (id: string, at: Date) => this.pastOf(id, at),
    }
    const { learning } = await this.learn()
    return decideAll(this.store, catalog, this.policy, read, (features) => learning.beliefs(features), { ...opts, at: this.now() })
  }

  /**
   * Reads outcomes off stored events (docs/decide.md): `Offer Viewed|Clicked|Accepted|Declined` with
   * `decision_id` and `offer_id` record that outcome; an event that meets an open offer's campaign
   * goal (e.g. `Order Completed` in the goal's category) within its response window records
   * `converted` with the order's revenue. The collector calls this after each commit. An outcome
   * event that cannot be taken (unknown decision, expired) stays stored and gets a data-quality
   * warning in the quarantine with the reason.
   */
  async observe(stored: readonly StoredEvent[]): Promise<{ outcomes: number; conversions: number; refused: string[] }> {
    // First, before anything awaits: the collector calls this right after the commit, before its 2xx.
    this.view.invalidate(stored.map((s) => s.profileId))
    const catalog = this.current
    const result = { outcomes: 0, conversions: 0, refused: [] as string[] }
    if (!catalog) return result
    const warnings: NewQuarantineEntry[] = []
    const goals = goalEvents(catalog)
    for (const { event, profileId } of stored) {
      const reported = outcomeOfEvent(event)
      const at = new Date(event.timestamp)
      if (reported) {
        try {
          const r = await this.recordOutcome({ ...reported, profileId, source: `event:${event.source}`, at })
          if (r.recorded) result.outcomes++
        } catch (err) {
          const reason = `outcome not recorded: ${(err as Error).message}`
          result.refused.push(`${event.source}/${event.messageId}: ${reason}`)
          warnings.push({ source: event.source, receivedAt: event.receivedAt, messageId: event.messageId, reason, severity: 'warning', raw: event })
        }
        continue
      }
      if (event.event === null || !goals.has(event.event)) continue
      // The event's profile is the one it was stored under after its batch's merges: no lookup per goal event.
      if (!(await this.learn()).decided.has(profileId)) continue
      result.conversions += await this.convert(profileId, event, at, catalog)
    }
    if (warnings.length > 0) await this.store.write((tx) => tx.quarantine(warnings))
    return result
  }

  /** Records `converted` for every open offer of the profile whose campaign goal the event meets. */
  private async convert(profileId: string, event: StoredEvent['event'], at: Date, catalog: Catalog): Promise<number> {
    const since = new Date(at.getTime() - HISTORY_DAYS * DAY_MS).toISOString()
    const past = (await this.store.decisions.historyOf(profileId, { since, limit: 1000 })).map(toPast)
    const rows = conversionsOf(past, event, at, catalog)
    if (rows.length === 0) return 0
    const stored = await this.writes.run(async (tx) => {
      const kept = await tx.insertOutcomes(rows)
      await tx.insertExamples(kept.map((r) => ({ decisionId: rootOf(past, r.decisionId), offerId: r.offerId, label: 1 as const, at: r.at })))
      return kept
    })
    return stored.length
  }

  /** The decision whose policy showed a decision's offers: itself, or the one its continuations go back to. */
  private async policyDecisionOf(d: { id: string; continues: string | null }): Promise<string | null> {
    let current: { id: string; continues: string | null } | null = d
    for (let hops = 0; current && current.continues !== null && hops < 20; hops++) current = await this.store.decisions.decision(current.continues)
    return current && current.continues === null ? current.id : null
  }

  private async resolve(req: DecideRequest): Promise<string | null> {
    if (req.profileId !== undefined) return this.store.profiles.resolve(req.profileId)
    if (req.identifierKey !== undefined) {
      const id = await this.store.profiles.idOfIdentifier(req.identifierKey)
      return id === null ? null : this.store.profiles.resolve(id)
    }
    return null
  }

  /** Forgets erased profiles' features at once (the privacy routes call it after an erasure). */
  forget(profileIds: Iterable<string>): void {
    this.view.invalidate(profileIds)
  }

  /** A decision's features: the kept ones from the view with their rule memo, and the consent ledger as it is now. */
  private async featuresOf(profileId: string | null): Promise<CustomerFeatures> {
    if (profileId === null) return anonymousFeatures()
    const [kept, ledger] = await Promise.all([this.view.get(profileId, this.current ?? { version: 0, rules: 0 }), this.consent.ledgerOf(profileId)])
    return kept ? { ...kept.features, ledger, memo: kept.memo } : anonymousFeatures()
  }

  /** A profile's features from the store (what the view loads, and what decide all reads for each profile). */
  private async readFeatures(profileId: string, at: Date): Promise<ViewFeatures | null> {
    const [profile, behaviour] = await Promise.all([this.store.profiles.get(profileId), this.store.events.behaviourOf(profileId, at)])
    return profile ? featuresOf(profile, behaviour) : null
  }

  private async pastOf(profileId: string | null, at: Date): Promise<PastDecision[]> {
    if (profileId === null) return []
    const since = new Date(at.getTime() - HISTORY_DAYS * DAY_MS).toISOString()
    return (await this.store.decisions.historyOf(profileId, { since, limit: 1000 })).map(toPast)
  }
}
