import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileCatalog, parseCatalogText } from './catalog.js'
import { CONSENT_PURPOSES } from '../core/consent.js'

const purposes = CONSENT_PURPOSES
const offer = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Offer ${id}`, value: 10, ...extra })
const campaign = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Campaign ${id}`, status: 'active', channels: ['web'], offers: [offer(`${id}-o`)], ...extra })
const refusal = (input: unknown) => {
  try {
    compileCatalog(input, { version: 1, purposes })
  } catch (err) {
    return err as Error & { code: string }
  }
  throw new Error('the catalog was accepted')
}

describe('catalog', () => {
  it('compiles the demo catalog: 53 campaigns, 73 offers, its placements and every rule', () => {
    const catalog = compileCatalog(parseCatalogText(readFileSync(new URL('../../data/catalog/demo.yaml', import.meta.url), 'utf8')), { version: 1, purposes })
    expect(catalog.campaigns).toHaveLength(53)
    expect(catalog.offers.size).toBe(73)
    expect(catalog.placements.get('agent_desk')).toEqual({ id: 'agent_desk', channel: 'call_center', maxOffers: 3, manyPerCampaign: false })
    expect(catalog.placements.get('email')?.channel).toBe('email') // every channel has a default placement
    expect(catalog.campaigns.filter((c) => c.audience !== null).length).toBeGreaterThan(40)
  })

  it('refuses a catalog of the wrong shape and lists every field: unknown channel, negative cap, missing offers', () => {
    const err = refusal({ campaigns: [campaign('a', { channels: ['web', 'fax'] }), campaign('b', { caps: { perCustomer: -1 } }), { id: 'c', name: 'C', status: 'active', channels: ['web'] }] })
    expect(err.code).toBe('CATALOG_INVALID')
    expect(err.message).toContain('campaign "a".channels.1: must be one of email, sms, phone, post, push, web, in_store, call_center, got "fax"')
    expect(err.message).toContain('campaign "b".caps.perCustomer: must not be negative, got -1')
    expect(err.message).toContain('campaign "c".offers: ')
    expect(err.message).toMatch(/^the catalog was refused \(3 problems\)/)
  })

  it('lists rule problems with campaign, offer, field, line and column once the shape is right', () => {
    const err = refusal({
      campaigns: [
        campaign('a'),
        campaign('a'),
        campaign('b', { audience: 'value.clv >\n  && true', offers: [offer('b1', { eligibility: 'value.clvv > 1.0' }), offer('a-o')] }),
        campaign('c', { purpose: 'spam', offers: [offer('c1', { value: 'traits' })] }),
      ],
    })
    expect(err.message).toMatch(/^the catalog was refused \(7 problems\)/)
    expect(err.message).toContain('campaign "a": id is used by another campaign')
    expect(err.message).toContain('campaign "b".audience: Unexpected token: AND at line 2, column 3')
    expect(err.message).toContain('campaign "b", offer "b1".eligibility: No such key: clvv at line 1, column 7')
    expect(err.message).toContain('campaign "b", offer "a-o": id is used by another offer')
    expect(err.message).toContain('campaign "c".purpose: must be one of marketing, personalization, profiling, analytics, third_party_sharing, got "spam"')
    expect(err.message).toContain('campaign "c", offer "c1".value: must give a number, gives map')
  })

  it('refuses a rule over 15 KB and one nested deeper than 30', () => {
    const long = `value.clv > 1.0${' && true'.repeat(2000)}`
    const deep = `${'('.repeat(40)}true${')'.repeat(40)}`
    const err = refusal({ campaigns: [campaign('a', { audience: long }), campaign('b', { audience: deep })] })
    expect(err.message).toContain(`campaign "a".audience: must be at most 15360 bytes, got ${Buffer.byteLength(long)}`)
    expect(err.message).toMatch(/campaign "b".audience: [^;]*depth/i)
  })

  it('says which file is neither YAML nor JSON', () => {
    expect(() => parseCatalogText('campaigns: [\n', 'bad.yaml')).toThrow(/^bad.yaml is neither YAML nor JSON/)
  })
})
