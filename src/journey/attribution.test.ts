import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { attribute } from './attribute.js'
import { channelRulesWith, classifyChannel, type Channel } from './channel.js'
import { HEURISTIC_MODELS, touchpointCredits } from './heuristic-models.js'
import { buildJourneys, type Journey } from './journeys.js'
import { markovAttribution } from './markov.js'
import { shapleyAttribution } from './shapley.js'
import { pathsOf } from './journey-tally.js'

const journey = (path: string, converted = true, value = 100): Journey => ({
  touchpoints: path.split(' > ').map((c, i) => ({ channel: c as Channel, campaign: null, at: i * 86_400_000 })),
  converted,
  value: converted ? value : 0,
  endsAt: path.split(' > ').length * 86_400_000,
})

describe('Markov attribution: the worked example of the ChannelAttribution white paper (Altomare & Loris)', () => {
  // Three converting paths. Counting transitions (start → first channel, …, last → conversion):
  //   A > B > A > B > B > A : A→B, B→A, A→B, B→B, B→A, A→conv
  //   A > B > B > A > A     : A→B, B→B, B→A, A→A, A→conv
  //   A > A                 : A→A, A→conv
  // From A: A→A 2, A→B 3, A→conv 3 (of 8); from B: B→A 3, B→B 2 (of 5); the start always leads to A.
  // P(conv) = 1 (every path ends in conversion). Without B, A→B leads to null:
  //   P = (3/8) / (1 − 2/8) = 0.5, so B's removal effect is 0.5; without A nothing converts: effect 1.
  // The 3 conversions split 1 : 0.5, so A gets 2 and B gets 1. First and last touch give all 3 to A.
  const journeys = ['A > B > A > B > B > A', 'A > B > B > A > A', 'A > A'].map((p) => journey(p))
  const m = markovAttribution(pathsOf(journeys), 1)

  it('gives the transition probabilities', () => {
    expect(m.transitions.A).toEqual({ B: 3 / 8, '(conversion)': 3 / 8, A: 2 / 8 })
    expect(m.transitions.B).toEqual({ A: 3 / 5, B: 2 / 5 })
  })
  it('gives removal effects A = 1, B = 0.5 and credits A = 2, B = 1', () => {
    expect(m.removalEffects.A).toBeCloseTo(1, 12)
    expect(m.removalEffects.B).toBeCloseTo(0.5, 12)
    expect(m.conversions.A).toBeCloseTo(2, 12)
    expect(m.conversions.B).toBeCloseTo(1, 12)
  })
  it('while first and last touch give all 3 to A', () => {
    const report = attribute(journeys, { models: ['first_touch', 'last_touch'] })
    expect(report.models.first_touch).toEqual({ A: { conversions: 3, value: 300 } })
    expect(report.models.last_touch).toEqual({ A: { conversions: 3, value: 300 } })
  })
})

const channelArb = fc.constantFrom<Channel>('paid_search', 'email', 'social', 'direct', 'display', 'print')
const journeyArb = fc.record({
  path: fc.array(channelArb, { minLength: 1, maxLength: 6 }),
  converted: fc.boolean(),
  value: fc.double({ min: 0, max: 1000, noNaN: true }),
})
const toJourney = (j: { path: Channel[]; converted: boolean; value: number }): Journey => ({
  touchpoints: j.path.map((channel, i) => ({ channel, campaign: null, at: i * 3_600_000 })),
  converted: j.converted,
  value: j.converted ? j.value : 0,
  endsAt: j.path.length * 3_600_000,
})

describe('credits add up', () => {
  it("each conversion's heuristic credits sum to 1", () => {
    fc.assert(
      fc.property(journeyArb, fc.constantFrom(...HEURISTIC_MODELS), (j, model) => {
        const credits = touchpointCredits(toJourney({ ...j, converted: true }), model)
        expect(credits.reduce((s, c) => s + c, 0)).toBeCloseTo(1, 10)
        for (const c of credits) expect(c).toBeGreaterThanOrEqual(0)
      }),
    )
  })

  it('Markov and Shapley credits sum to the number of conversions', () => {
    fc.assert(
      fc.property(fc.array(journeyArb, { minLength: 1, maxLength: 30 }), (raw) => {
        const journeys = raw.map(toJourney)
        const conversions = journeys.filter((j) => j.converted).length
        const sum = (r: Record<string, number>) => Object.values(r).reduce((s, v) => s + v, 0)
        const markov = markovAttribution(pathsOf(journeys), 2)
        const shapley = shapleyAttribution(pathsOf(journeys))
        if (markov.conversionProbability > 0) expect(sum(markov.conversions)).toBeCloseTo(conversions, 8)
        if (conversions > 0 && Object.values(shapley.conversions).some((v) => v !== 0)) expect(sum(shapley.conversions)).toBeCloseTo(conversions, 8)
      }),
      { numRuns: 60 },
    )
  })
})

describe('channels and journeys', () => {
  it('classifies by offline channel, UTM medium, referrer, else direct', () => {
    expect(classifyChannel({ channel: 'print' })).toBe('print')
    expect(classifyChannel({ channel: 'web', utmSource: 'google', utmMedium: 'cpc' })).toBe('paid_search')
    expect(classifyChannel({ channel: 'web', utmMedium: 'newsletter' })).toBe('email')
    expect(classifyChannel({ channel: 'web', referrer: 'https://www.google.de/search?q=zelt' })).toBe('organic_search')
    expect(classifyChannel({ channel: 'web', referrer: 'https://www.instagram.com/' })).toBe('social')
    expect(classifyChannel({ channel: 'web', referrer: 'https://outdoorblog.example/review' })).toBe('referral')
    expect(classifyChannel({ channel: 'web' })).toBe('direct')
    // Configured rules merge over the defaults.
    const rules = channelRulesWith({ mediums: { podcast: 'radio' } })
    expect(classifyChannel({ channel: 'web', utmMedium: 'podcast' }, rules)).toBe('radio')
    expect(classifyChannel({ channel: 'web', utmMedium: 'cpc' }, rules)).toBe('paid_search')
  })

  it('cuts journeys at conversions within the lookback, keeps the rest as non-converting, and counts conversions without touchpoints', () => {
    const day = 86_400_000
    const { journeys, withoutTouchpoints } = buildJourneys(
      [
        { at: 0, channel: 'display', campaign: null, isConversion: false, value: 0 },
        { at: 40 * day, channel: 'email', campaign: 'weekly', isConversion: false, value: 0 },
        { at: 45 * day, channel: null, campaign: null, isConversion: true, value: 80 },
        { at: 46 * day, channel: null, campaign: null, isConversion: true, value: 20 },
        { at: 50 * day, channel: 'social', campaign: null, isConversion: false, value: 0 },
      ],
      { lookbackDays: 30 },
    )
    expect(journeys.map((j) => [j.touchpoints.map((t) => t.channel).join(' > '), j.converted, j.value])).toEqual([
      ['email', true, 80],
      ['social', false, 0],
    ])
    expect(withoutTouchpoints).toBe(1)
  })
})

describe('Shapley sampling beyond 15 channels', () => {
  it('samples journeys that touched more than 15 channels and reports the error, close to the exact split', () => {
    // 17 channels in one kind of journey: its split is sampled. All 17 are symmetric in the data
    // (each also appears alone, converting equally often), so each deserves 1/17 of the conversions.
    const names = Array.from({ length: 17 }, (_, i) => `ch${String(i).padStart(2, '0')}`)
    const journeys: Journey[] = []
    for (let i = 0; i < 40; i++) journeys.push(journey(names.join(' > '), i % 2 === 0))
    for (const name of names) for (let i = 0; i < 4; i++) journeys.push(journey(name, i === 0))
    const sampled = shapleyAttribution(pathsOf(journeys), { permutations: 400, seed: 3 })
    expect(sampled.exact).toBe(false)
    expect(sampled.permutations).toBe(400)
    const conversions = journeys.filter((j) => j.converted).length
    for (const c of names) {
      const se = sampled.standardErrors[c]!
      expect(se).toBeGreaterThan(0)
      expect(Math.abs(sampled.conversions[c]! - conversions / 17)).toBeLessThan(4 * se + 1e-6)
    }
  })
})
