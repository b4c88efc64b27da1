import { CAMPAIGNS, CITIES, FIRST_NAMES, LAST_NAMES, OFFLINE_TOUCHPOINTS, PAGES, PRODUCTS, STORES } from './catalog.js'
import { Random, streamSeed } from '../core/random.js'

/** The sources the demo company's data arrives from. */
export const DEMO_SOURCES = ['web', 'app', 'shop', 'call_center', 'crm', 'import'] as const
export type DemoSource = (typeof DEMO_SOURCES)[number]

export interface DemoMessage {
  source: DemoSource
  message: Record<string, unknown>
}

/** 18 months of history, fixed so that the same seed gives the same company on any day. */
export const DEMO_WINDOW = { start: Date.parse('2025-05-01T00:00:00Z'), end: Date.parse('2026-10-31T23:59:59Z') }
const DAY_MS = 86_400_000

/**
 * Generates one customer's whole history: anonymous visits from campaigns, sign-up, CRM data,
 * orders from a BG/NBD-like process (each customer buys at their own rate and may stop for good
 * after any purchase), calls, offline touchpoints and a consent state.
 *
 * @example
 * const messages = generateCustomer(42, 0)
 */
export function generateCustomer(seed: number, index: number): DemoMessage[] {
  const r = new Random(streamSeed(seed, index))
  const out: DemoMessage[] = []
  let n = 0
  const messageId = () => `demo-${seed}-${index}-${n++}`
  const iso = (t: number) => new Date(Math.min(t, DEMO_WINDOW.end)).toISOString()
  const push = (source: DemoSource, t: number, message: Record<string, unknown>) => {
    if (t <= DEMO_WINDOW.end) out.push({ source, message: { messageId: messageId(), timestamp: iso(t), ...message } })
  }

  const first = r.pick(FIRST_NAMES)
  const last = r.pick(LAST_NAMES)
  const userId = `cust-${String(index + 1).padStart(6, '0')}`
  const anonymousId = `anon-${seed}-${index}`
  const email = `${ascii(first)}.${ascii(last)}.${index + 1}@example.com`
  const phone = `+49 151 ${String(r.int(10_000_000, 99_999_999))}`
  const city = r.pick(CITIES)
  const emailConsent = r.weighted([['opt_in', 55], ['opt_out', 15], ['unknown', 30]] as const)

  // Before sign-up: anonymous visits, each from a campaign.
  let t = DEMO_WINDOW.start + r.next() * 395 * DAY_MS
  for (let v = r.int(1, 5); v > 0; v--) {
    const campaign = r.weighted(CAMPAIGNS)
    push('web', t, {
      type: 'page',
      anonymousId,
      name: r.pick(PAGES),
      properties: { path: r.pick(PAGES) },
      context: webContext(campaign, r),
    })
    t += r.exponential(1 / 3) * DAY_MS
  }

  // Consent on its own random stream, so the rest of the company stays as it was: the website's cookie
  // banner (Segment consent management) and the email decision at sign-up.
  const rc = new Random(streamSeed(seed + 7_919, index))
  const banner = rc.chance(0.6) ? { categoryPreferences: { Analytics: rc.chance(0.8), Advertising: rc.chance(0.45) } } : {}
  const emailChoice = emailConsent === 'unknown' ? {} : { marketing: { email: emailDecision(emailConsent, t) } }
  push('web', t, {
    type: 'identify',
    anonymousId,
    userId,
    traits: { email, firstName: first, lastName: last, city, country: 'DE', createdAt: iso(t) },
    context: { consent: { ...banner, ...emailChoice } },
  })
  if (rc.chance(0.2)) {
    const at = t + rc.next() * 120 * DAY_MS
    push('call_center', at, {
      type: 'identify', userId,
      context: { consent: { marketing: { phone: { state: 'opt_in', evidence: { type: 'recorded_call', reference: `call-${index}` } } } } },
    })
  }
  if (emailConsent === 'opt_in' && rc.chance(0.12)) {
    push('crm', t + (30 + rc.next() * 400) * DAY_MS, { type: 'track', event: 'Email Unsubscribed', userId, properties: { campaign_name: 'weekly_deals' } })
  }
  push('web', t + 1000, { type: 'track', event: 'Signed Up', anonymousId, userId, properties: { method: 'email' } })

  if (r.chance(0.5)) {
    push('crm', t + r.next() * 20 * DAY_MS, {
      type: 'identify',
      userId,
      traits: { email, phone, crm_id: `CRM-${100000 + index}`, customer_since: iso(t).slice(0, 10) },
    })
  }
  const hasApp = r.chance(0.3)
  const appDevice = `device-${seed}-${index}`
  if (hasApp) {
    push('app', t + r.next() * 30 * DAY_MS, { type: 'identify', anonymousId: appDevice, userId, traits: { email } })
  }

  // Orders: rate λ ~ Gamma(0.9, 45 days), drop-out after each order with p ~ Beta(1.2, 4).
  const isBuyer = r.chance(0.7)
  // Customers differ in how much they spend per order, as in the Gamma-Gamma model: a personal factor (mean 1).
  const spendFactor = r.gamma(3, 1 / 3)
  if (isBuyer) {
    const ratePerDay = r.gamma(0.9, 1 / 45)
    const dropout = r.beta(1.2, 4)
    let orderTime = t + r.exponential(1 / 4) * DAY_MS
    for (let k = 0; orderTime <= DEMO_WINDOW.end && k < 60; k++) {
      const where = r.weighted([['web', 55], ['app', hasApp ? 20 : 0], ['store', 18], ['call_center', 7]] as const)
      order(where, orderTime, k)
      if (r.chance(dropout)) break
      orderTime += Math.max(r.exponential(Math.max(ratePerDay, 1e-4)), 0.5) * DAY_MS
    }
  }

  if (r.chance(0.2)) {
    const callAt = t + r.next() * 300 * DAY_MS
    push('call_center', callAt, {
      type: 'track',
      event: 'Call Completed',
      userId,
      properties: { channel: 'call_center', reason: r.pick(['order status', 'return', 'product advice', 'complaint']), duration_s: r.int(60, 900) },
    })
  }
  if (emailConsent === 'opt_in') {
    for (let m = r.int(0, 4); m > 0; m--) {
      const at = t + r.next() * 400 * DAY_MS
      push('crm', at, { type: 'track', event: 'Email Opened', userId, properties: { channel: 'email', campaign_name: 'weekly_deals' } })
      if (r.chance(0.3)) push('crm', at + 60_000, { type: 'track', event: 'Email Link Clicked', userId, properties: { channel: 'email', campaign_name: 'weekly_deals' } })
    }
  }
  if (r.chance(0.25)) {
    const touch = r.weighted(OFFLINE_TOUCHPOINTS)
    push('import', t + r.next() * 200 * DAY_MS, { type: 'track', event: touch.event, userId, properties: { channel: touch.channel } })
  }
  return out

  function order(where: 'web' | 'app' | 'store' | 'call_center', at: number, k: number) {
    const items = r.int(1, 3)
    const products = Array.from({ length: items }, () => {
      const p = r.pick(PRODUCTS)
      return { ...p, quantity: r.chance(0.85) ? 1 : 2 }
    })
    const revenue = Math.round(products.reduce((s, p) => s + p.price * p.quantity, 0) * spendFactor * (r.chance(0.2) ? 0.85 : 1) * 100) / 100
    // The goods cost the retailer 50–65 % of what the customer paid: orders carry it, for margins.
    const cost = Math.round(revenue * (0.5 + 0.15 * r.next()) * 100) / 100
    const orderProps = { order_id: `o-${seed}-${index}-${k}`, revenue, cost, currency: 'EUR', products }
    if (where === 'web') {
      const campaign = r.weighted(CAMPAIGNS)
      push('web', at - 600_000, { type: 'page', anonymousId, userId, name: '/checkout', properties: { path: '/checkout' }, context: webContext(campaign, r) })
      push('shop', at, { type: 'track', event: 'Order Completed', userId, anonymousId, properties: orderProps })
    } else if (where === 'app') {
      push('app', at - 300_000, { type: 'screen', anonymousId: appDevice, userId, name: 'Cart' })
      push('app', at, { type: 'track', event: 'Order Completed', anonymousId: appDevice, userId, properties: orderProps })
    } else if (where === 'store') {
      push('shop', at, { type: 'track', event: 'Order Completed', userId, properties: { ...orderProps, channel: 'store', store: r.pick(STORES) } })
    } else {
      push('call_center', at, { type: 'track', event: 'Order Completed', userId, properties: { ...orderProps, channel: 'call_center' } })
    }
  }
}

function webContext(campaign: { source: string; medium: string; name: string }, r: Random): Record<string, unknown> {
  const context: Record<string, unknown> = {
    userAgent: r.pick(['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)']),
    ip: `192.0.2.${r.int(1, 254)}`,
  }
  if (campaign.source) context.campaign = { source: campaign.source, medium: campaign.medium, ...(campaign.name ? { name: campaign.name } : {}) }
  return context
}

/** An email-marketing decision at sign-up: an opt-in carries its double-opt-in confirmation, as the UWG requires. */
function emailDecision(state: 'opt_in' | 'opt_out', signedUpAt: number): unknown {
  if (state === 'opt_out') return 'opt_out'
  return { state, evidence: { type: 'double_opt_in', confirmedAt: new Date(signedUpAt + 15 * 60_000).toISOString() } }
}

function ascii(name: string): string {
  return name.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
}
