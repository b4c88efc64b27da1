import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureSources } from '../src/collect/sources.js'
import { DEMO_SOURCES } from '../src/demo/generate-company.js'
import { loadDemo } from '../src/demo/load-demo.js'
import { attribute, ATTRIBUTION_MODELS } from '../src/journey/attribute.js'
import { journeysFromEvents } from '../src/journey/journeys-from-events.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import type { Store } from '../src/store/store.js'
import { salestwin } from './helpers/cli.js'
import { allRows, collectorFor } from './helpers/stores.js'

const HEAP_MB = 40
const file = join(mkdtempSync(join(tmpdir(), 'st-heap-')), 'demo.db')
let store: Store

beforeAll(async () => {
  store = await openSqliteStore(file)
  await ensureSources(store, DEMO_SOURCES)
  await loadDemo(collectorFor(store), { customers: 4000, seed: 42 })
}, 120_000)
afterAll(() => store.close())

describe(`attribution with the heap capped at ${HEAP_MB} MB`, () => {
  it('cannot load the store the way it used to: its journey events with their payloads do not fit', async () => {
    // What listJourneyEvents did before issue 15: every page, screen and track event with its payload in one array.
    const script = `
      const Database = require('better-sqlite3')
      const rows = new Database(process.argv[1], { readonly: true }).prepare("select profile_id, ts, type, event, channel, revenue, payload from events where type in ('page', 'screen', 'track') order by profile_id, ts").all()
      const journeyRows = rows.map((r) => {
        const campaign = JSON.parse(r.payload).context.campaign ?? {}
        return { profileId: r.profile_id, timestamp: r.ts, type: r.type, event: r.event, channel: r.channel, revenue: r.revenue, utmSource: campaign.source, utmCampaign: campaign.name }
      })
      console.log(journeyRows.length)`
    const run = promisify(execFile)(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '-e', script, file], { timeout: 60_000 })
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('heap out of memory') })
  })

  it('streams the store within the cap and gives the same credits as the in-memory run', async () => {
    const cli = await salestwin(['attribution', '--db', file, '--json'], {}, [`--max-old-space-size=${HEAP_MB}`])
    expect(cli.stderr).not.toContain('heap out of memory')
    expect(cli.code).toBe(0)
    const streamed = JSON.parse(cli.stdout) as ReturnType<typeof attribute>
    const { journeys, withoutTouchpoints } = journeysFromEvents(await allRows(store.journeys.eventPages({})), { lookbackDays: 30 })
    const inMemory = attribute(journeys, { models: ATTRIBUTION_MODELS, byCampaign: true })
    expect(streamed.journeys).toBeGreaterThan(3000)
    expect(streamed).toMatchObject({ journeys: inMemory.journeys, conversions: inMemory.conversions, value: inMemory.value, withoutTouchpoints })
    expect(streamed.models).toEqual(inMemory.models)
    expect(streamed.campaigns).toEqual(inMemory.campaigns)
    expect(streamed.topPaths).toEqual(inMemory.topPaths)
  })
})
