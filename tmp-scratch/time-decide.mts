import { loadConfig } from '../src/config/config.js'
import { openRuntime } from '../src/cli/runtime.js'
const rt = await openRuntime(loadConfig({ flags: { db: '/tmp/d20.db' }, env: {} }))
const ids = await rt.store.profiles.liveIds(null, 400)
for (const pass of [1, 2, 3]) {
  const t0 = performance.now()
  const lat: number[] = []
  for (const id of ids) {
    const t = performance.now()
    await rt.decide.decide({ profileId: id, channel: 'call_center' })
    lat.push(performance.now() - t)
  }
  lat.sort((a, b) => a - b)
  console.log(`pass ${pass}: ${(ids.length / ((performance.now() - t0) / 1000)).toFixed(0)}/s p50 ${lat[200]!.toFixed(2)} ms p99 ${lat[396]!.toFixed(2)} ms; view hits ${rt.decide.view.hits} misses ${rt.decide.view.misses}`)
}
const t = performance.now(); for (const id of ids.slice(0, 100)) await rt.consent.ledgerOf(id); console.log('ledgerOf', ((performance.now() - t) / 100).toFixed(3), 'ms')
const t2 = performance.now(); for (const id of ids.slice(0, 100)) await rt.store.decisions.decisionsOf(id, { limit: 1000 }); console.log('decisionsOf', ((performance.now() - t2) / 100).toFixed(3), 'ms')
const t3 = performance.now(); for (let i = 0; i < 100; i++) await rt.store.decisions.campaignUsage('2026-12-01'); console.log('campaignUsage', ((performance.now() - t3) / 100).toFixed(3), 'ms')
const t4 = performance.now(); for (const id of ids.slice(0, 100)) await rt.store.profiles.get(id); console.log('profiles.get', ((performance.now() - t4) / 100).toFixed(3), 'ms')
const t5 = performance.now(); for (const id of ids.slice(0, 100)) await rt.store.events.behaviourOf(id, new Date()); console.log('behaviourOf', ((performance.now() - t5) / 100).toFixed(3), 'ms')
await rt.close()
