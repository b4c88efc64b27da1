import { CONSENT_PURPOSES, type ConsentRecord } from '../../core/consent.js'
import { compileCatalog, type Catalog } from '../catalog.js'
import { NO_BEHAVIOUR, type CustomerFeatures } from '../features.js'
import { dayPart } from '../learning/context.js'
import { sigmoid } from '../learning/laplace.js'
import { randomSource, type Random } from '../learning/random.js'

export const SEGMENTS = 5
const PARTS = ['night', 'morning', 'afternoon', 'evening'] as const
const DEVICES = ['mobile', 'desktop', 'tablet'] as const

/** One visit of a synthetic customer: who (segment, device) and when (hour of a day). */
export interface Visit {
  segment: number
  device: (typeof DEVICES)[number]
  at: Date
  features: CustomerFeatures
}

/**
 * A synthetic market (docs/decide.md, "Simulator"): campaigns × offers with different values and
 * costs, and for every offer a true response rate that depends on the customer's segment, the
 * time of day and the device: logit p = base + segment effect + day-part effect + device effect.
 * The learner sees these as context features (cluster, window, device) but not the rates.
 */
export interface World {
  catalog: Catalog
  /** The true response rate of an offer for a visit. */
  truth(offerId: string, visit: Visit): number
  visit(random: Random): Visit
}

const consent = (purpose: string): ConsentRecord => ({
  id: 0,
  purpose,
  channel: 'web',
  state: 'opt_in',
  legalBasis: 'consent',
  source: 'simulator',
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  evidence: { type: 'simulated' },
  messageId: null,
})
const LEDGER = { records: [consent('marketing'), consent('personalization')], suppressions: [] }
const START = Date.parse('2026-06-01T00:00:00.000Z')

export function makeWorld(opts: { seed: number; campaigns?: number; offersPerCampaign?: number; learning?: Record<string, unknown> }): World {
  const random = randomSource(opts.seed)
  const campaigns = opts.campaigns ?? 20
  const perCampaign = opts.offersPerCampaign ?? 5
  const effects = new Map<string, { base: number; segment: number[]; part: number[]; device: number[] }>()
  const spec = Array.from({ length: campaigns }, (_, c) => ({
    id: `c${c}`,
    name: `Campaign ${c}`,
    status: 'active',
    // Strategic weight from −10 to +10 %: the static-priority baseline ranks by it.
    weight: Math.round(-10 + (20 * c) / Math.max(1, campaigns - 1)),
    channels: ['web'],
    offers: Array.from({ length: perCampaign }, (_, o) => {
      const id = `c${c}-o${o}`
      effects.set(id, {
        base: -5 + 2.5 * random.next(),
        segment: Array.from({ length: SEGMENTS }, () => 0.8 * random.normal()),
        part: PARTS.map(() => 0.5 * random.normal()),
        device: DEVICES.map(() => 0.3 * random.normal()),
      })
      return { id, name: id, value: Math.round(5 + 95 * random.next()), cost: Math.round(3 * random.next() * 100) / 100 }
    }),
  }))
  const catalog = compileCatalog({ campaigns: spec, learning: { features: ['cluster', 'window', 'device'], ...opts.learning } }, { version: 1, purposes: CONSENT_PURPOSES })
  let t = 0
  return {
    catalog,
    truth(offerId, visit) {
      const e = effects.get(offerId)!
      return sigmoid(e.base + e.segment[visit.segment]! + e.part[PARTS.indexOf(dayPart(visit.at.getUTCHours()))]! + e.device[DEVICES.indexOf(visit.device)]!)
    },
    visit(r) {
      const segment = r.int(0, SEGMENTS - 1)
      const device = r.pick(DEVICES)
      const at = new Date(START + (t++ % 10_000) * 60_000 + r.int(0, 23) * 3_600_000)
      const features: CustomerFeatures = {
        profileId: 'simulated',
        traits: {},
        value: { cluster: `segment-${segment}`, clv: 100, probabilityAlive: 0.5 },
        behaviour: NO_BEHAVIOUR,
        ledger: LEDGER,
        timeZone: null,
      }
      return { segment, device, at, features }
    },
  }
}
