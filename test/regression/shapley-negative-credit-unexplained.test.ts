import { describe, expect, it } from 'vitest'
import { attribute } from '../../src/journey/attribute.js'
import type { Channel } from '../../src/journey/channel.js'
import type { Journey } from '../../src/journey/journeys.js'
import { shapleyAttribution } from '../../src/journey/shapley.js'
import { pathsOf } from '../../src/journey/journey-tally.js'
import { formatAttribution } from '../../src/cli/format-attribution.js'

// Issue 10.11: Shapley gave call_center −47.8 conversions on the demo, and neither the output nor
// docs/attribution.md said why a credit can be negative.
const journey = (path: string, converted: boolean): Journey => ({
  touchpoints: path.split(' > ').map((c, i) => ({ channel: c as Channel, campaign: null, at: i * 86_400_000 })),
  converted,
  value: converted ? 100 : 0,
  endsAt: 10 * 86_400_000,
})
const many = (n: number, path: string, converted: boolean) => Array.from({ length: n }, () => journey(path, converted))

describe('a channel whose presence lowers the conversion rate', () => {
  // Email alone converts 20 %; email with a call-center contact (complaints) only 5 %; call center alone 2 %.
  const journeys = [
    ...many(200, 'email', true), ...many(800, 'email', false),
    ...many(10, 'email > call_center', true), ...many(190, 'email > call_center', false),
    ...many(2, 'call_center', true), ...many(98, 'call_center', false),
  ]

  it('gets a negative Shapley credit: its marginal worth v({email, call_center}) − v({email}) is below zero', () => {
    const s = shapleyAttribution(pathsOf(journeys))
    expect(s.conversions.call_center).toBeLessThan(0)
    expect(s.conversions.email! + s.conversions.call_center!).toBeCloseTo(212, 6)
  })

  it('is explained in the report notes, which the API and the CLI show', () => {
    const report = attribute(journeys, { models: ['shapley', 'last_touch'] })
    const note = report.notes.find((n) => n.startsWith('shapley credits call_center -'))
    expect(note).toMatch(/^shapley credits call_center -\d+(\.\d)? conversions \(negative\): journeys that include call_center convert less often than the same journeys without it/)
    expect(report.notes.some((n) => n.includes('credits email'))).toBe(false)
    expect(formatAttribution(report)).toContain(note!)
  })
})
