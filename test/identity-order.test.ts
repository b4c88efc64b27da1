import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RawItem } from '../src/collect/collector.js'
import type { Store } from '../src/store/store.js'
import { collectorFor, freshStore } from './helpers/stores.js'

/** Events over a small pool of identifiers, so that links, merges and conflicts are frequent. */
const eventArb = fc.record({
  userId: fc.option(fc.constantFrom('u1', 'u2', 'u3'), { nil: undefined }),
  anonymousId: fc.option(fc.constantFrom('a1', 'a2', 'a3', 'a4'), { nil: undefined }),
  email: fc.option(fc.constantFrom('x@example.com', 'y@example.com'), { nil: undefined }),
  day: fc.integer({ min: 1, max: 28 }),
})

type Gen = { userId: string | undefined; anonymousId: string | undefined; email: string | undefined; day: number }

function toItems(events: Gen[]): RawItem[] {
  return events
    .map((e, i) => ({ ...e, userId: e.userId ?? (e.anonymousId ? undefined : 'u1'), i }))
    .map(({ userId, anonymousId, email, day, i }) => ({
      raw: {
        type: 'identify',
        messageId: `m-${i}`,
        timestamp: `2024-02-${String(day).padStart(2, '0')}T00:00:00.000Z`,
        ...(userId ? { userId } : {}),
        ...(anonymousId ? { anonymousId } : {}),
        traits: email ? { email } : {},
      },
      path: `batch[${i}]`,
    }))
}

/** The people as sets of identifiers, each with the message ids of its events: ids themselves are random. */
async function people(store: Store): Promise<string[]> {
  const byProfile = new Map<string, string[]>()
  for (const row of await store.profiles.identifiers()) byProfile.set(row.profileId, [...(byProfile.get(row.profileId) ?? []), row.key])
  const out: string[] = []
  for (const [profileId, keys] of byProfile) {
    const events = (await store.events.timeline(profileId, { limit: 500 })).items.map((e) => e.messageId).sort()
    out.push(`${keys.sort().join(',')} | ${events.join(',')}`)
  }
  return out.sort()
}

async function ingestInBatches(items: RawItem[], batchSizes: number[]): Promise<string[]> {
  const store = await freshStore('sqlite')
  try {
    const collector = collectorFor(store)
    let i = 0
    for (const size of batchSizes) {
      if (i >= items.length) break
      await collector.collect(items.slice(i, i + size), 'web')
      i += size
    }
    if (i < items.length) await collector.collect(items.slice(i), 'web')
    return await people(store)
  } finally {
    await store.close()
  }
}

describe('identity resolution through the real ingest path', () => {
  it('gives the same profiles for the same events in any order and any batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 14 }),
        fc.infiniteStream(fc.integer({ min: 1, max: 4 })).map((s) => [...s.take(20)]),
        fc.integer(),
        async (events, batchSizes, seed) => {
          const items = toItems(events)
          const shuffled = fc.sample(fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }), { seed, numRuns: 1 })[0]!
          const inOrder = await ingestInBatches(items, [items.length])
          const reordered = await ingestInBatches(shuffled, batchSizes)
          expect(reordered).toEqual(inOrder)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('changes nothing when an event is replayed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 10 }), async (events) => {
        const items = toItems(events)
        const store = await freshStore('sqlite')
        try {
          const collector = collectorFor(store)
          await collector.collect(items, 'web')
          const before = await people(store)
          const replay = await collector.collect(items, 'web')
          expect(replay.every((r) => r.status === 'duplicate')).toBe(true)
          expect(await people(store)).toEqual(before)
        } finally {
          await store.close()
        }
      }),
      { numRuns: 20 },
    )
  })
})
