import { describe, expect, it } from 'vitest'
import { DEMO_WINDOW, generateCustomer } from '../src/demo/generate-company.js'
import { loadDemo } from '../src/demo/load-demo.js'
import { collectorFor, freshStore } from './helpers/stores.js'

describe('demo company', () => {
  it('is deterministic for a seed and different for another', () => {
    expect(generateCustomer(7, 3)).toEqual(generateCustomer(7, 3))
    expect(generateCustomer(8, 3)).not.toEqual(generateCustomer(7, 3))
  })

  it('spans the 18-month window with every channel, orders, campaigns, consent and customers who stop buying', () => {
    const messages = Array.from({ length: 2000 }, (_, i) => generateCustomer(42, i)).flat()
    const times = messages.map((m) => Date.parse(m.message.timestamp as string))
    expect(Math.min(...times)).toBeGreaterThanOrEqual(DEMO_WINDOW.start)
    expect(Math.max(...times)).toBeLessThanOrEqual(DEMO_WINDOW.end)
    expect(new Set(messages.map((m) => m.source))).toEqual(new Set(['web', 'app', 'shop', 'call_center', 'crm', 'import']))
    const channels = new Set(messages.map((m) => (m.message.properties as { channel?: string } | undefined)?.channel).filter(Boolean))
    for (const c of ['store', 'call_center', 'email', 'print']) expect(channels).toContain(c)
    expect(messages.some((m) => (m.message.context as { campaign?: unknown } | undefined)?.campaign)).toBe(true)
    expect(messages.some((m) => (m.message.context as { consent?: unknown } | undefined)?.consent)).toBe(true)
    // Purchase dynamics: some buyers' last order lies long before the end of the window (they stopped buying).
    const lastOrder = new Map<string, number>()
    for (const m of messages) if (m.message.event === 'Order Completed') lastOrder.set(m.message.userId as string, Date.parse(m.message.timestamp as string))
    const lapsed = [...lastOrder.values()].filter((t) => DEMO_WINDOW.end - t > 180 * 86_400_000).length
    expect(lastOrder.size).toBeGreaterThan(1000)
    expect(lapsed / lastOrder.size).toBeGreaterThan(0.2)
  })

  it('loads through the collection path into one profile per customer, and reloading stores nothing new', async () => {
    const store = await freshStore('sqlite')
    try {
      const collector = collectorFor(store)
      const first = await loadDemo(collector, { customers: 300, seed: 42 })
      expect(first).toMatchObject({ customers: 300, rejected: 0, duplicates: 0 })
      expect(first.stored).toBe(first.events)
      expect((await store.events.counts()).profiles).toBe(300)
      const again = await loadDemo(collector, { customers: 300, seed: 42 })
      expect(again).toMatchObject({ stored: 0, duplicates: first.events })
    } finally {
      await store.close()
    }
  })
})
