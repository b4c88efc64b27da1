import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IdentityLink } from '../core/identity-link.js'
import { resolveGroups } from './identity-graph.js'

const strict = { uniqueKinds: new Set(['userId']) }
const link = (a: string, b: string, day: number, messageId = `m${day}`): IdentityLink => ({ a, b, timestamp: `2024-01-${String(day).padStart(2, '0')}T00:00:00.000Z`, messageId })

describe('resolveGroups', () => {
  it('joins linked identifiers into one person', () => {
    const result = resolveGroups(['email:a@x.org'], [link('anonymousId:a1', 'userId:u1', 1), link('email:a@x.org', 'userId:u1', 2)], strict)
    expect(result).toEqual({ groups: [['anonymousId:a1', 'email:a@x.org', 'userId:u1']], conflicts: [] })
  })

  it('refuses the later of two links that would give one person two userIds', () => {
    const result = resolveGroups([], [link('anonymousId:d', 'userId:bob', 2), link('anonymousId:d', 'userId:alice', 1)], strict)
    expect(result.groups).toEqual([['anonymousId:d', 'userId:alice'], ['userId:bob']])
    expect(result.conflicts).toEqual([{ messageId: 'm2', a: 'anonymousId:d', b: 'userId:bob', kind: 'userId', reason: 'two-user-ids' }])
  })

  it('merges two userIds when the policy allows it', () => {
    const result = resolveGroups([], [link('anonymousId:d', 'userId:bob', 2), link('anonymousId:d', 'userId:alice', 1)], { uniqueKinds: new Set() })
    expect(result).toEqual({ groups: [['anonymousId:d', 'userId:alice', 'userId:bob']], conflicts: [] })
  })

  it('keeps a conflict from spreading through a shared email', () => {
    const result = resolveGroups([], [link('email:f@x.org', 'userId:mum', 1), link('email:f@x.org', 'userId:dad', 2), link('anonymousId:tv', 'userId:dad', 3)], strict)
    expect(result.groups).toEqual([['anonymousId:tv', 'userId:dad'], ['email:f@x.org', 'userId:mum']])
    expect(result.conflicts.map((c) => c.messageId)).toEqual(['m2'])
  })

  it('depends only on the set of links, never on their order', () => {
    const keys = ['userId:u1', 'userId:u2', 'anonymousId:a1', 'anonymousId:a2', 'email:e@x.org', 'phone:+491511234567']
    const linkArb = fc.record({ a: fc.constantFrom(...keys), b: fc.constantFrom(...keys), day: fc.integer({ min: 1, max: 9 }), id: fc.integer({ min: 0, max: 99 }) })
    fc.assert(
      fc.property(fc.array(linkArb, { maxLength: 12 }), fc.integer(), (raw, seed) => {
        const links = raw.filter((l) => l.a !== l.b).map((l) => link(l.a, l.b, l.day, `m${l.id}`))
        const shuffled = [...links].sort(() => 0).reverse()
        const rotated = links.length ? [...links.slice(seed % links.length), ...links.slice(0, seed % links.length)] : links
        const expected = resolveGroups(keys, links, strict)
        expect(resolveGroups([...keys].reverse(), shuffled, strict)).toEqual(expected)
        expect(resolveGroups(keys, rotated, strict)).toEqual(expected)
      }),
    )
  })
})
