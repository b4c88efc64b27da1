import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureSources } from '../src/collect/sources.js'
import { loadConfig } from '../src/config/config.js'
import { DEMO_SOURCES } from '../src/demo/generate-company.js'
import { loadDemo } from '../src/demo/load-demo.js'
import { runRefreshInWorker } from '../src/refresh/run-in-worker.js'
import { testApp, type TestApp } from './helpers/app.js'
import { ensureDemoCatalog } from '../src/cli/demo-catalog.js'

const file = join(mkdtempSync(join(tmpdir(), 'st-refresh-')), 'demo.db')
let t: TestApp

beforeAll(async () => {
  t = await testApp({ sqlitePath: file })
  await ensureSources(t.store, DEMO_SOURCES)
  await loadDemo(t.collector, { customers: 400, seed: 42 })
  await ensureDemoCatalog(t.decide)
}, 60_000)
afterAll(() => t.close())

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.as.analyst })

describe('the periodic refresh', () => {
  it('answers attribution and consent figures live before it has run', async () => {
    expect((await get('/v1/attribution')).json()).toMatchObject({ fromRefresh: false, journeys: expect.any(Number) })
    expect((await get('/v1/consent/figures')).json()).not.toHaveProperty('fromRefresh')
  })

  it('runs on a worker thread over the same store, and the API then serves what it kept', async () => {
    const outcome = await runRefreshInWorker(loadConfig({ flags: { db: file } }))
    expect(outcome).toMatchObject({ value: { customers: expect.any(Number), currency: 'EUR' }, attribution: { journeys: expect.any(Number), months: expect.any(Number) }, consentFigures: { intervals: 3 }, nextBestOffers: { channels: 8 } })
    // Every live profile got its best offers per channel, with the new scores.
    const nbo = outcome.nextBestOffers as { profiles: number }
    expect(nbo.profiles).toBe((await t.store.events.counts()).profiles)
    const [someone] = await t.store.profiles.liveIds(null, 1)
    expect((await t.app.inject({ method: 'GET', url: `/v1/profiles/${someone}`, headers: t.as.agent })).json().computed.nextBestOffers).toMatchObject({ catalogVersion: 1, byChannel: { web: expect.any(Array) } })
    const live = (await get('/v1/attribution?model=all&lookbackDays=30')).json()
    const kept = (await get('/v1/attribution')).json()
    expect(kept).toMatchObject({ fromRefresh: true, computedAt: expect.any(String) })
    // The same report, computed by the worker and here.
    expect(kept.models).toEqual(live.models)
    expect(kept.journeys).toBe(live.journeys)
    // Per month: the journeys that end in it; every journey ends in exactly one month.
    const months = Array.from({ length: 19 }, (_, i) => new Date(Date.UTC(2025, 4 + i, 1)).toISOString().slice(0, 7))
    const monthly = await Promise.all(months.map(async (m) => (await get(`/v1/attribution?month=${m}`)).json()))
    const kept1 = monthly.filter((r) => r.fromRefresh)
    expect(kept1.length).toBeGreaterThan(12)
    expect(kept1.reduce((n, r) => n + r.journeys, 0)).toBe(kept.journeys)
    expect(kept1.reduce((n, r) => n + r.conversions, 0)).toBe(kept.conversions)
    expect((await get('/v1/attribution?month=2026-13')).json()).toMatchObject({ statusCode: 400, message: 'month must be YYYY-MM, got "2026-13"' })
    expect((await get('/v1/attribution?month=1999-01')).statusCode).toBe(404)
    const figures = (await get('/v1/consent/figures?interval=week')).json()
    expect(figures).toMatchObject({ fromRefresh: true })
    expect(figures.series.length).toBeGreaterThan(10)
    expect((await get('/v1/value')).json()).toMatchObject({ customers: outcome.value && 'customers' in outcome.value ? outcome.value.customers : -1 })
  })

  it('counts events per day by source and channel from the running counts', async () => {
    const { items } = (await get('/v1/stats/events?from=2026-01-01&to=2026-02-01')).json() as { items: { day: string; events: number }[] }
    expect(items.length).toBeGreaterThan(20)
    expect(items.every((i) => i.day >= '2026-01-01' && i.day < '2026-02-01')).toBe(true)
    const all = (await get('/v1/stats/events')).json() as { items: { events: number }[] }
    expect(all.items.reduce((n, i) => n + i.events, 0)).toBe((await t.store.events.counts()).events)
    expect((await get('/v1/stats/events?from=january')).json()).toMatchObject({ statusCode: 400, message: 'from must be a day (YYYY-MM-DD), got "january"' })
  })
})
