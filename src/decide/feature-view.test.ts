import { describe, expect, it } from 'vitest'
import { FeatureView, type ViewFeatures } from './feature-view.js'
import { NO_BEHAVIOUR } from './features.js'

const features = (id: string, plan: string): ViewFeatures => ({ profileId: id, traits: { plan }, value: null, behaviour: NO_BEHAVIOUR, timeZone: null })

function viewOver(plans: Map<string, string>, opts: { maxProfiles?: number; ttlMs?: number } = {}) {
  let clock = 0
  const loads: string[] = []
  let gate: Promise<void> = Promise.resolve()
  const view = new FeatureView(
    async (id) => {
      loads.push(id)
      const plan = plans.get(id)
      await gate
      return plan === undefined ? null : features(id, plan)
    },
    { maxProfiles: opts.maxProfiles ?? 10, ttlMs: opts.ttlMs ?? 1000, now: () => clock },
  )
  return { view, loads, tick: (ms: number) => (clock += ms), hold: (p: Promise<void>) => (gate = p) }
}

describe('the feature view', () => {
  it('reads a profile once and keeps it, with one rule memo per catalog version, until the time to live passes', async () => {
    const { view, loads, tick } = viewOver(new Map([['p1', 'gold']]))
    const first = await view.get('p1', { version: 1, rules: 4 })
    const again = await view.get('p1', { version: 1, rules: 4 })
    expect(again?.features.traits).toEqual({ plan: 'gold' })
    expect(again?.memo).toBe(first?.memo)
    expect((await view.get('p1', { version: 2, rules: 4 }))?.memo.catalogVersion).toBe(2)
    expect(loads).toEqual(['p1'])
    tick(1000)
    await view.get('p1', { version: 2, rules: 4 })
    expect(loads).toEqual(['p1', 'p1'])
    expect([view.hits, view.misses]).toEqual([2, 2])
  })

  it('reads a profile again after the write path invalidated it', async () => {
    const plans = new Map([['p1', 'gold']])
    const { view } = viewOver(plans)
    await view.get('p1', { version: 1, rules: 4 })
    plans.set('p1', 'silver')
    view.invalidate(['p1'])
    expect((await view.get('p1', { version: 1, rules: 4 }))?.features.traits).toEqual({ plan: 'silver' })
  })

  it('does not keep a read that raced with an invalidation', async () => {
    const plans = new Map([['p1', 'gold']])
    const { view, hold } = viewOver(plans)
    let release!: () => void
    hold(new Promise<void>((resolve) => (release = resolve)))
    const racing = view.get('p1', { version: 1, rules: 4 })
    plans.set('p1', 'silver')
    view.invalidate(['p1']) // a commit changed p1 while it was being read
    release()
    expect((await racing)?.features.traits).toEqual({ plan: 'gold' })
    expect(view.has('p1')).toBe(false)
    hold(Promise.resolve())
    expect((await view.get('p1', { version: 1, rules: 4 }))?.features.traits).toEqual({ plan: 'silver' })
  })

  it('keeps at most maxProfiles, dropping the least recently used, and keeps nothing for a missing profile', async () => {
    const { view } = viewOver(new Map([['a', 'x'], ['b', 'x'], ['c', 'x']]), { maxProfiles: 2 })
    await view.get('a', { version: 1, rules: 4 })
    await view.get('b', { version: 1, rules: 4 })
    await view.get('a', { version: 1, rules: 4 })
    await view.get('c', { version: 1, rules: 4 })
    expect([view.has('a'), view.has('b'), view.has('c')]).toEqual([true, false, true])
    expect(await view.get('nobody', { version: 1, rules: 4 })).toBeNull()
    expect(view.size).toBe(2)
  })
})
