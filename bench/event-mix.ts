import { Random } from '../src/core/random.js'

/**
 * The ingest benchmarks' event mix: 45 % anonymous page views, 15 % logged-in page views, 20 %
 * `Product Viewed`, 8 % `identify` with email and name, 7 % app `screen` on a second device id,
 * 5 % `Order Completed`, over 100,000 people picked with a skew toward heavy users; 30 % carry UTM
 * campaign context. Each run has its own ids, so runs on one store never collide.
 *
 * Yields the raw Segment messages in batches of `perBatch`, deterministic per run.
 */
export function* eventBatches(run: number, total: number, perBatch: number): Generator<Record<string, unknown>[]> {
  const r = new Random(1000 + run)
  const people = 100_000
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let start = 0; start < total; start += perBatch) {
    const batch: Record<string, unknown>[] = []
    for (let n = start; n < Math.min(total, start + perBatch); n++) {
      // Heavy users are more active: a skewed pick over the people.
      const p = Math.floor(people * Math.pow(r.next(), 2))
      const anonymousId = `bench-anon-${run}-${p}`
      const userId = `bench-user-${run}-${p}`
      const timestamp = new Date(t0 + n * 1000).toISOString()
      const messageId = `bench-${run}-${n}`
      const kind = r.weighted([['page', 45], ['page-user', 15], ['track', 20], ['identify', 8], ['screen', 7], ['order', 5]] as const)
      const context = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', ip: '192.0.2.1', campaign: r.chance(0.3) ? { source: 'google', medium: 'cpc', name: 'brand' } : undefined }
      if (kind === 'page') batch.push({ type: 'page', messageId, anonymousId, timestamp, name: 'Product', properties: { path: `/p/${r.int(1, 500)}` }, context })
      else if (kind === 'page-user') batch.push({ type: 'page', messageId, anonymousId, userId, timestamp, name: 'Home', properties: { path: '/' }, context })
      else if (kind === 'track') batch.push({ type: 'track', messageId, anonymousId, timestamp, event: 'Product Viewed', properties: { product_id: `P-${r.int(1, 500)}`, price: r.int(5, 300) }, context })
      else if (kind === 'identify') batch.push({ type: 'identify', messageId, anonymousId, userId, timestamp, traits: { email: `person${p}@example.com`, firstName: 'Bench', lastName: `Person ${p}` }, context })
      else if (kind === 'screen') batch.push({ type: 'screen', messageId, anonymousId: `bench-device-${run}-${p}`, userId, timestamp, name: 'Cart' })
      else batch.push({ type: 'track', messageId, userId, anonymousId, timestamp, event: 'Order Completed', properties: { order_id: `o-${run}-${n}`, revenue: r.int(10, 400), currency: 'EUR', products: [{ sku: 'SKU-1', price: 10, quantity: 1 }] }, context })
    }
    yield batch
  }
}
