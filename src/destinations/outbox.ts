import { AppError } from '../core/errors.js'
import type { Delivery, Store } from '../store/store.js'
import type { DeliveryResult, WebhookDestination } from './webhook.js'

/** What to do with a delivery right before it goes out: send this body, or not, and why. */
export type Prepared = { body: string } | { suppress: string }

export interface DrainReport {
  delivered: number
  /** Retries used up: now dead letters. */
  failed: number
  suppressed: number
  /** Claimed by another sender (another node's run) meanwhile. */
  busy: number
}

export interface Sender {
  /** The outbox's destination name. */
  id: string
  concurrency: number
  send(body: string, delivery: Delivery, onFailedAttempt: (attempt: number, error: string) => Promise<void>): Promise<DeliveryResult>
}

/** A delivery left `sending` this long ago is taken as abandoned (its sender died) and sent again, under the same idempotency key. */
export const LEASE_MS = 10 * 60_000
const PAGE = 200

/**
 * Sends a destination's outbox (migration 0015): every pending delivery is claimed (so no two
 * senders on any node send it at once), prepared — the caller checks consent again here, right
 * before it goes out — then sent with its retries; its end (delivered, failed, suppressed) and every
 * failed attempt are stored. A delivered one is never sent again; a failed one waits in the
 * dead-letter list until someone puts it back.
 */
export async function drainOutbox(
  store: Pick<Store, 'deliveries' | 'write'>,
  sender: Sender,
  prepare: (delivery: Delivery) => Promise<Prepared>,
  opts: { now?: () => Date; onProgress?: (done: number) => void } = {},
): Promise<DrainReport> {
  const now = opts.now ?? (() => new Date())
  const report: DrainReport = { delivered: 0, failed: 0, suppressed: 0, busy: 0 }
  let done = 0
  const one = async (d: Delivery) => {
    const at = () => now().toISOString()
    if (!(await store.write((tx) => tx.claimDelivery(d.decisionId, at(), new Date(now().getTime() - LEASE_MS).toISOString())))) {
      report.busy++
      return
    }
    const prepared = await prepare(d)
    if ('suppress' in prepared) {
      await store.write((tx) => tx.settleDelivery(d.decisionId, 'suppressed', d.attempts, prepared.suppress, at()))
      report.suppressed++
      return
    }
    const result = await sender.send(prepared.body, d, (attempt, error) => store.write((tx) => tx.settleDelivery(d.decisionId, 'sending', attempt, error, at())))
    await store.write((tx) => tx.settleDelivery(d.decisionId, result.delivered ? 'delivered' : 'failed', result.attempts, result.error, at()))
    if (result.delivered) report.delivered++
    else report.failed++
  }
  for (;;) {
    const page = await store.deliveries.due(sender.id, new Date(now().getTime() - LEASE_MS).toISOString(), PAGE)
    if (page.length === 0) break
    await inPool(page, Math.max(1, sender.concurrency), async (d) => {
      await one(d)
      opts.onProgress?.(++done)
    })
  }
  return report
}

/** Runs `fn` over the items with at most `width` at once, in order of start. */
async function inPool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
}

/** Puts a dead letter back into the outbox (the next run sends it, asking consent again); DELIVERY_NOT_FOUND or DELIVERY_CONFLICT otherwise. */
export async function requeueDeadLetter(store: Pick<Store, 'deliveries' | 'write'>, decisionId: string, at = new Date()): Promise<Delivery> {
  const delivery = await store.deliveries.of(decisionId)
  if (!delivery) throw new AppError('DELIVERY_NOT_FOUND', `no delivery has decision id "${decisionId}"`)
  if (!(await store.write((tx) => tx.requeueDelivery(decisionId, at.toISOString())))) {
    throw new AppError('DELIVERY_CONFLICT', `the delivery of ${decisionId} is ${delivery.status}, not failed: only a dead letter is put back`)
  }
  return { ...delivery, status: 'pending', attempts: 0 }
}

/** The configured webhooks without their secrets, each with its deliveries per status, and the export files' deliveries. */
export async function destinationsStatus(store: Pick<Store, 'deliveries'>, destinations: readonly WebhookDestination[]) {
  const counts = await store.deliveries.counts()
  const of = (id: string) => Object.fromEntries(counts.filter((c) => c.destination === id).map((c) => [c.status, c.n]))
  // The secret stays in the configuration: it signs, it is never shown.
  return { destinations: destinations.map(({ secret: _s, ...d }) => ({ ...d, deliveries: of(d.id) })), exports: of('export') }
}
