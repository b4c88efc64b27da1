import { describe, expect, it } from 'vitest'
import { LoadShedder } from './load-shedder.js'

describe('LoadShedder', () => {
  let now = 0
  const clock = () => now
  const admitted = (s: LoadShedder) => {
    const a = s.admit()
    if ('refused' in a) throw new Error(a.refused.message)
    return a.ticket
  }

  const idle = () => 0.1

  it('refuses once the oldest open request has waited longer than the bound, and admits again when it is answered', () => {
    now = 0
    const s = new LoadShedder(1000, clock, idle)
    const first = admitted(s)
    now = 900
    admitted(s)
    now = 1500
    const refused = s.admit()
    expect(refused).toMatchObject({ refused: { code: 'OVERLOADED', retryAfterSeconds: 2, message: 'collection is answering in 1500 ms (bound 1000 ms); retry after 2 s' } })
    s.done(first)
    // The smoothed time to answer (0.2 × 1500 = 300 ms) and the next oldest (600 ms) are both under the bound.
    expect('ticket' in s.admit()).toBe(true)
  })

  it('keeps shedding while recent answers were slow, and forgets them within seconds', () => {
    now = 0
    const s = new LoadShedder(100, clock, idle)
    const tickets = Array.from({ length: 10 }, () => admitted(s))
    now = 400
    for (const t of tickets) s.done(t)
    expect(s.delayMs()).toBeGreaterThan(300)
    expect('refused' in s.admit()).toBe(true)
    now += 2000
    expect(s.delayMs()).toBeLessThan(100)
    expect('ticket' in s.admit()).toBe(true)
  })

  it('admits fewer requests while the event loop is busy nearly all the time, and all again once it is not', () => {
    now = 0
    let busy = 0.99
    const s = new LoadShedder(1000, clock, () => busy)
    const admittedOf = (n: number) => {
      let admittedCount = 0
      for (let i = 0; i < n; i++) {
        const a = s.admit()
        if ('ticket' in a) {
          admittedCount++
          s.done(a.ticket)
        }
      }
      return admittedCount
    }
    for (let step = 0; step < 10; step++) {
      now += 200
      admittedOf(10)
    }
    now += 200
    const whileBusy = admittedOf(100)
    // The floor: a saturated loop still admits one request in ten.
    expect(Math.abs(whileBusy - 10)).toBeLessThanOrEqual(1)
    expect(s.admit()).toMatchObject({ refused: { code: 'OVERLOADED', retryAfterSeconds: 1, message: 'collection is at capacity (event loop busy, admitting 10 % of requests); retry after 1 s' } })
    busy = 0.5
    for (let step = 0; step < 30; step++) {
      now += 200
      admittedOf(10)
    }
    now += 200
    expect(admittedOf(100)).toBe(100)
  })
})
