import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemo } from '../src/demo/load-demo.js'
import { testApp, type TestApp } from './helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await testApp()
  await loadDemo(t.collector, { customers: 400, seed: 21 })
})
afterAll(async () => {
  await t.close()
})

describe('GET /v1/attribution', () => {
  it('gives every model side by side; each model credits all attributable conversions', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/attribution?model=all', headers: t.as.analyst })
    expect(res.statusCode).toBe(200)
    const report = res.json()
    expect(Object.keys(report.models)).toEqual(['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov', 'shapley'])
    for (const credits of Object.values(report.models) as Record<string, { conversions: number }>[]) {
      const sum = Object.values(credits).reduce((s, c) => s + c.conversions, 0)
      expect(sum).toBeCloseTo(report.conversions, 1)
    }
    expect(report.conversions).toBeGreaterThan(100)
    expect(report.topPaths[0]).toMatchObject({ path: expect.any(String), journeys: expect.any(Number), conversionRate: expect.any(Number) })
    // Conversions without a touchpoint are counted and said, not dropped.
    expect(report.withoutTouchpoints).toBeGreaterThan(0)
    expect(report.notes.some((n: string) => n.includes('had no touchpoint in the lookback window'))).toBe(true)
  })

  it('answers 400 for an unknown model or a bad date', async () => {
    const model = await t.app.inject({ method: 'GET', url: '/v1/attribution?model=magic', headers: t.as.analyst })
    expect(model.statusCode).toBe(400)
    expect(model.json().message).toBe('model must be all or one of first_touch, last_touch, last_non_direct, linear, time_decay, position_based, markov, shapley, got "magic"')
    const date = await t.app.inject({ method: 'GET', url: '/v1/attribution?model=markov&from=yesterday', headers: t.as.analyst })
    expect(date.json()).toEqual({ statusCode: 400, code: 'REQUEST_INVALID', message: 'from must be an ISO-8601 date, got "yesterday"' })
  })
})
