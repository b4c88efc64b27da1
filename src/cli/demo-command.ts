import type { Config } from '../config/config.js'
import { ensureSources } from '../collect/sources.js'
import { DEMO_SOURCES } from '../demo/generate-company.js'
import { loadDemo } from '../demo/load-demo.js'
import { ensureDemoCatalog } from './demo-catalog.js'
import { printResult, progress } from './output.js'
import { openRuntime } from './runtime.js'

/** `salestwin demo`: generate and load the demo company and its catalog (unless one is applied), with progress on stderr. */
export async function demoCommand(config: Config, opts: { customers: number; seed: number; json: boolean }): Promise<void> {
  const runtime = await openRuntime(config)
  const bar = progress('demo')
  const started = Date.now()
  try {
    await ensureSources(runtime.store, DEMO_SOURCES)
    const summary = await loadDemo(runtime.collector, {
      customers: opts.customers,
      seed: opts.seed,
      onProgress: (done, total, events) => bar.update(done, total, `${events} events`),
    })
    bar.stop()
    const catalog = await ensureDemoCatalog(runtime.decide)
    const result = { ...summary, catalogVersion: catalog?.version ?? runtime.decide.catalog?.version ?? null, seconds: Math.round((Date.now() - started) / 100) / 10 }
    printResult(result, opts.json, () => `demo: ${result.customers} customers, ${result.stored} events stored (${result.duplicates} already there, ${result.rejected} rejected) in ${result.seconds} s`)
  } finally {
    await runtime.close()
  }
}
