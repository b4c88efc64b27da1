import type { CustomerFeatures } from './features.js'
import { RuleMemo } from './features.js'

/** A customer's features as the view keeps them: everything but the consent ledger, which every decision reads fresh. */
export type ViewFeatures = Omit<CustomerFeatures, 'ledger' | 'memo'>

interface Entry {
  features: ViewFeatures
  loadedAt: number
  memo: RuleMemo
}

export interface FeatureViewOptions {
  /** Profiles kept at most; the least recently used go first. */
  maxProfiles: number
  /** How long a kept profile is used before it is read again: the bound on staleness for what this node's write path does not see (other nodes' events, the value refresh). */
  ttlMs: number
  now?: () => number
}

/**
 * The in-memory feature view of the decision path (issue 11, point 9; docs/decide.md): a profile's
 * traits, computed values and behaviour aggregates, read from the store once and kept — with the
 * results of its profile-only rules — until the write path says the profile changed
 * ({@link invalidate}, called synchronously after each commit, before its 2xx), it is erased
 * ({@link invalidate} too), or `ttlMs` passes. The consent ledger and the contact history are not
 * kept here: they are read at every decision, so an opt-out or a contact on any node counts at once.
 */
export class FeatureView {
  private readonly entries = new Map<string, Entry>()
  /** Loads under way; an invalidation drops a profile's, so a load that raced with a write is used once, never kept. */
  private readonly loading = new Map<string, Promise<ViewFeatures | null>>()
  private readonly now: () => number
  hits = 0
  misses = 0

  constructor(
    private readonly load: (profileId: string) => Promise<ViewFeatures | null>,
    private readonly opts: FeatureViewOptions,
  ) {
    this.now = opts.now ?? Date.now
  }

  /** The profile's features and its rule memo for a catalog (version and number of rules); null for a profile that does not exist. */
  async get(profileId: string, catalog: { version: number; rules: number }): Promise<{ features: ViewFeatures; memo: RuleMemo } | null> {
    const kept = this.entries.get(profileId)
    if (kept && this.now() - kept.loadedAt < this.opts.ttlMs) {
      this.hits++
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(profileId)
      this.entries.set(profileId, kept)
      if (kept.memo.catalogVersion !== catalog.version) kept.memo = new RuleMemo(catalog.version, catalog.rules)
      return { features: kept.features, memo: kept.memo }
    }
    this.misses++
    // This caller's memo; kept with the features when its load is the one kept.
    const memo = new RuleMemo(catalog.version, catalog.rules)
    let pending = this.loading.get(profileId)
    if (!pending) {
      const started = this.now()
      const mine = (pending = this.load(profileId))
      this.loading.set(profileId, mine)
      void mine.then(
        (features) => {
          if (this.loading.get(profileId) !== mine) return
          this.loading.delete(profileId)
          if (features) this.keep(profileId, { features, loadedAt: started, memo })
        },
        () => this.loading.get(profileId) === mine && this.loading.delete(profileId),
      )
    }
    const features = await pending
    return features ? { features, memo } : null
  }

  /** Forgets profiles: their next decision reads them again. The write path calls it for every profile a commit touched. */
  invalidate(profileIds: Iterable<string>): void {
    for (const id of profileIds) {
      this.entries.delete(id)
      this.loading.delete(id)
    }
  }

  /** Whether a profile's features are kept now. */
  has(profileId: string): boolean {
    return this.entries.has(profileId)
  }

  get size(): number {
    return this.entries.size
  }

  private keep(profileId: string, entry: Entry): void {
    this.entries.delete(profileId)
    this.entries.set(profileId, entry)
    while (this.entries.size > this.opts.maxProfiles) this.entries.delete(this.entries.keys().next().value!)
  }
}
