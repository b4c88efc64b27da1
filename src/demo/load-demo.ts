import type { Collector } from '../collect/collector.js'
import { generateCustomer, type DemoMessage } from './generate-company.js'

export interface DemoOptions {
  customers: number
  seed: number
  onProgress?: (customersDone: number, customersTotal: number, events: number) => void
}

export interface DemoSummary {
  customers: number
  seed: number
  events: number
  stored: number
  duplicates: number
  rejected: number
}

const CUSTOMERS_PER_CHUNK = 250
const CHUNKS_IN_FLIGHT = 4

/**
 * Generates the demo company and loads it through the collector, the same path as the HTTP API.
 * Re-running with the same seed stores nothing new: message ids are deterministic.
 *
 * @example
 * await loadDemo(collector, { customers: 1000, seed: 42 })
 */
export async function loadDemo(collector: Collector, opts: DemoOptions): Promise<DemoSummary> {
  const summary: DemoSummary = { customers: opts.customers, seed: opts.seed, events: 0, stored: 0, duplicates: 0, rejected: 0 }
  let done = 0
  const loadChunk = async (from: number) => {
    const to = Math.min(from + CUSTOMERS_PER_CHUNK, opts.customers)
    const bySource = new Map<string, DemoMessage[]>()
    for (let i = from; i < to; i++) {
      for (const m of generateCustomer(opts.seed, i)) {
        const list = bySource.get(m.source)
        if (list) list.push(m)
        else bySource.set(m.source, [m])
      }
    }
    const results = await Promise.all(
      [...bySource].map(([source, messages]) =>
        collector.collect(messages.map((m, i) => ({ raw: m.message, path: `demo ${source}[${i}]` })), source),
      ),
    )
    for (const r of results.flat()) {
      summary.events++
      if (r.status === 'stored') summary.stored++
      else if (r.status === 'duplicate') summary.duplicates++
      else summary.rejected++
    }
    done += to - from
    opts.onProgress?.(done, opts.customers, summary.events)
  }
  const starts: number[] = []
  for (let from = 0; from < opts.customers; from += CUSTOMERS_PER_CHUNK) starts.push(from)
  const inFlight = new Set<Promise<void>>()
  for (const from of starts) {
    const p = loadChunk(from).finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (inFlight.size >= CHUNKS_IN_FLIGHT) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  return summary
}
