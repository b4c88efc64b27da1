import { DAY_MS } from '../../core/time.js'
import type { ExampleRow, Store, WriteTx } from '../../store/store.js'
import type { Catalog, Offer } from '../catalog.js'
import type { PolicyRecord } from '../engine.js'
import { Learner, type Belief, type Example, type LearnerAlert, type LearnerState, type LearningSettings } from './learner.js'
import { dailySums, type FoldedShowing } from './monitor.js'

/** What one fold did: examples folded in, examples whose decision is gone (erased) and skipped, showings closed as ignored. */
export interface FoldReport {
  folded: number
  skipped: number
  expired: number
  version: number
}

interface Meta {
  vocabulary: string[]
  /** Response windows that closed before this time have been turned into examples. */
  expiredUpTo?: string
  alerts?: LearnerAlert[]
}

/** Examples per fold transaction: the fold holds the single writer, so it takes a bounded bite. */
const BATCH = 5000
/** How far the closing of response windows moves per fold transaction. */
const EXPIRY_STEP_MS = DAY_MS

/**
 * The learning loop (docs/decide.md, "Learning"): finished showings become examples in the store
 * (an outcome's own write, or a fold closing an expired response window as `ignored`); a fold takes
 * the learned state's lock, folds the unfolded examples into the models in order and stores what
 * changed under a new version. Every node folds on a timer and, when another node's fold is newer
 * than its own state, reads that first — so every node decides with the same version within one
 * interval of a fold.
 */
export class LearningLoop {
  private learner: Learner
  private timer: NodeJS.Timeout | null = null
  private folding: Promise<FoldReport> | null = null
  /** The models reset to their prior, as the stored state keeps them (every node's, the last 100). */
  private resets: LearnerAlert[] = []

  constructor(
    private readonly store: Store,
    settings: LearningSettings,
  ) {
    this.learner = new Learner(settings)
  }

  get version(): number {
    return this.learner.version
  }

  get alerts(): readonly LearnerAlert[] {
    return this.resets
  }

  /** Follows the catalog's learning settings (minimum outcomes, prior variance). */
  configure(catalog: Catalog | null): void {
    if (catalog) this.learner.settings = { minOutcomes: catalog.spec.learning.minOutcomes, priorVariance: catalog.spec.learning.priorVariance }
  }

  /** Reads the stored state. */
  async load(): Promise<this> {
    this.restore(await this.store.decisions.learnerRows())
    return this
  }

  /** Reads the stored state when another node stored a newer one. */
  async refresh(): Promise<void> {
    if ((await this.store.decisions.learnerVersion()) !== this.learner.version) await this.load()
  }

  /** The beliefs of every offer in one decision's context (the engine's `propensity`). */
  beliefs(features: readonly string[]): (offer: Offer) => Belief {
    const learner = this.learner
    const x = learner.encode(features)
    return (offer) => learner.belief(offer, x)
  }

  /** Folds until nothing is left: every unfolded example, every response window closed up to now. One fold at a time per node. */
  fold(catalog: Catalog | null, now: Date): Promise<FoldReport> {
    this.configure(catalog)
    this.folding ??= (async () => {
      const total: FoldReport = { folded: 0, skipped: 0, expired: 0, version: this.learner.version }
      try {
        for (;;) {
          const step = await this.foldOnce(catalog, now)
          total.folded += step.report.folded
          total.skipped += step.report.skipped
          total.expired += step.report.expired
          total.version = step.report.version
          if (step.done) return total
        }
      } finally {
        this.folding = null
      }
    })()
    return this.folding
  }

  /** Folds on a timer (the server); errors wait for the next tick. */
  start(intervalMs: number, catalog: () => Catalog | null, now: () => Date, onError: (err: unknown) => void): void {
    this.timer ??= setInterval(() => void this.fold(catalog(), now()).catch(onError), intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private async foldOnce(catalog: Catalog | null, now: Date): Promise<{ report: FoldReport; done: boolean }> {
    const at = now.toISOString()
    try {
      return await this.store.write(async (tx) => {
        const metaRow = await tx.lockLearner(at)
        if (metaRow.version !== this.learner.version) this.restore(await tx.learnerRows())
        const meta = parseMeta(metaRow.data)
        const expiry = await closeWindows(tx, catalog, meta, now)
        const rows = await tx.unfoldedExamples(BATCH)
        const examples: Example[] = []
        const showings: FoldedShowing[] = []
        for (const r of rows) {
          const policy = r.learning === null ? null : (JSON.parse(r.learning) as PolicyRecord)
          if (!policy) continue
          examples.push({ offerId: r.offerId, features: policy.features, label: r.label })
          const shown = (JSON.parse(r.offers ?? '[]') as { offer: string; campaign: string; expected?: number }[]).find((o) => o.offer === r.offerId)
          if (shown?.expected !== undefined && r.decidedAt) showings.push({ day: r.decidedAt.slice(0, 10), offerId: r.offerId, arm: policy.arm ?? 'champion', campaignId: shown.campaign, predicted: shown.expected, label: r.label })
        }
        const before = this.learner.alerts.length
        const { touched } = this.learner.learn(examples, (id) => catalog?.offers.get(id)?.prior ?? { alpha: 1, beta: 19 }, at)
        await tx.markFolded(rows)
        await tx.addDaily(dailySums(showings))
        const state = this.learner.snapshot(touched)
        const alerts = [...(meta.alerts ?? []), ...this.learner.alerts.slice(before)].slice(-100)
        this.resets = alerts
        await tx.putLearnerRows(
          [
            ...Object.entries(state.offers).map(([id, s]) => ({ key: `offer:${id}`, version: state.version, data: JSON.stringify(s) })),
            { key: 'meta', version: state.version, data: JSON.stringify({ vocabulary: state.vocabulary, expiredUpTo: expiry.upTo, alerts } satisfies Meta) },
          ],
          at,
        )
        const report = { folded: examples.length, skipped: rows.length - examples.length, expired: expiry.examples, version: state.version }
        return { report, done: rows.length < BATCH && expiry.upTo >= at }
      })
    } catch (err) {
      // The models may have learned what the store did not keep: read the stored state at the next fold.
      this.learner.version = -1
      throw err
    }
  }

  private restore(rows: { key: string; version: number; data: string }[]): void {
    const meta = rows.find((r) => r.key === 'meta')
    const parsed = meta ? parseMeta(meta.data) : { vocabulary: [], alerts: [] }
    this.resets = parsed.alerts ?? []
    const state: LearnerState = { version: meta?.version ?? 0, vocabulary: parsed.vocabulary, offers: {} }
    for (const r of rows) if (r.key.startsWith('offer:')) state.offers[r.key.slice('offer:'.length)] = JSON.parse(r.data)
    this.learner = new Learner(this.learner.settings, state)
  }
}

function parseMeta(data: string): Meta {
  const m = JSON.parse(data) as Partial<Meta>
  return { vocabulary: m.vocabulary ?? [], ...(m.expiredUpTo ? { expiredUpTo: m.expiredUpTo } : {}), alerts: m.alerts ?? [] }
}

/**
 * Turns showings whose response window closed without a response into `ignored` examples (label
 * 0), one day of closings per call: per window length, the decisions made that long before the
 * period. A showing with an outcome already has its example (the insert keeps the first); one that
 * was never delivered is no showing.
 */
async function closeWindows(tx: WriteTx, catalog: Catalog | null, meta: Meta, now: Date): Promise<{ upTo: string; examples: number }> {
  const byCampaign = new Map(catalog?.campaigns.map((c) => [c.id, c.responseWindowDays]) ?? [])
  const windowOf = (campaignId: string) => byCampaign.get(campaignId) ?? 7
  const windows = new Set([7, ...byCampaign.values()])
  const from = meta.expiredUpTo ? Date.parse(meta.expiredUpTo) : now.getTime() - Math.max(...windows) * DAY_MS
  const to = Math.min(now.getTime(), from + EXPIRY_STEP_MS)
  const examples: ExampleRow[] = []
  for (const days of windows) {
    const w = days * DAY_MS
    for (const d of await tx.showingsBetween(new Date(from - w).toISOString(), new Date(to - w).toISOString())) {
      for (const o of JSON.parse(d.offers) as { campaign: string; offer: string }[]) {
        if (windowOf(o.campaign) !== days || d.notDelivered.includes(o.offer)) continue
        examples.push({ decisionId: d.id, offerId: o.offer, label: 0, at: new Date(Date.parse(d.at) + w).toISOString() })
      }
    }
  }
  return { upTo: new Date(to).toISOString(), examples: await tx.insertExamples(examples) }
}
