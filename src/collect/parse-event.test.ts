import { describe, expect, it } from 'vitest'
import { consentPolicy } from '../consent/rules.js'
import { correctSkew, parseEvent, type ParseContext } from './parse-event.js'

const ctx: ParseContext = {
  source: 'web',
  receivedAt: new Date('2024-05-01T12:00:10.000Z'),
  path: 'batch[0]',
  rules: { defaultCountry: 'DE', externalIdTraits: { crm_id: 'crm' } },
  defaultCurrency: 'EUR',
  consentPolicy: consentPolicy({ jurisdiction: 'DE' }),
}

describe('parseEvent', () => {
  it('corrects the device clock by receivedAt − (sentAt − timestamp), keeping the original', () => {
    // The phone's clock is 1 hour fast: it stamped the event 1 h ahead and sent it 5 s later.
    const out = parseEvent({ type: 'track', event: 'Tapped', userId: 'u1', messageId: 'm1', timestamp: '2024-05-01T13:00:00.000Z', sentAt: '2024-05-01T13:00:05.000Z' }, ctx)
    expect(out).toMatchObject({ ok: true, event: { timestamp: '2024-05-01T12:00:05.000Z', originalTimestamp: '2024-05-01T13:00:00.000Z', sentAt: '2024-05-01T13:00:05.000Z', receivedAt: '2024-05-01T12:00:10.000Z' } })
  })

  it('takes the timestamp as sent when there is no sentAt (imports), and receivedAt when there is no timestamp', () => {
    expect(correctSkew('1997-01-01T00:00:00.000Z', null, '2024-05-01T12:00:10.000Z')).toBe('1997-01-01T00:00:00.000Z')
    expect(correctSkew(null, null, '2024-05-01T12:00:10.000Z')).toBe('2024-05-01T12:00:10.000Z')
  })

  it('normalizes ids, identifiers, channel and order value', () => {
    const out = parseEvent(
      {
        type: 'track',
        event: 'Order Completed',
        userId: 42,
        anonymousId: 'a-1',
        messageId: 'm2',
        properties: { order_id: 'o1', total: 19.99, currency: 'usd', channel: 'store', products: [{ sku: 'a', cost: 4.5, quantity: 2 }] },
        context: { traits: { email: ' Max@Example.COM ', phone: '0151 23456789', crm_id: 'C-9' }, channel: 'server' },
      },
      ctx,
    )
    expect(out.ok && out.event).toMatchObject({
      userId: '42',
      channel: 'store',
      revenue: 19.99,
      cost: 9,
      currency: 'USD',
      identifiers: [
        { kind: 'userId', value: '42' },
        { kind: 'anonymousId', value: 'a-1' },
        { kind: 'email', value: 'max@example.com' },
        { kind: 'phone', value: '+4915123456789' },
        { kind: 'external:crm', value: 'C-9' },
      ],
    })
  })

  it('names the field, the rule and the value for each problem', () => {
    const reason = (raw: unknown) => {
      const out = parseEvent(raw, ctx)
      return out.ok ? null : out.reason
    }
    expect(reason('hello')).toBe('batch[0] must be an object, got "hello"')
    expect(reason({ type: 'track', userId: 'u1', messageId: 'm' })).toBe('batch[0].event is required for track')
    expect(reason({ type: 'alias', userId: 'u1', messageId: 'm' })).toBe('batch[0].previousId is required for alias')
    expect(reason({ type: 'track', event: 'X', userId: 'u1', messageId: 'm', properties: [] })).toBe('batch[0].properties must be an object, got []')
    expect(reason({ type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'm', properties: { revenue: '12' } })).toBe(
      'batch[0].properties.revenue must be a number, got "12"',
    )
    expect(reason({ type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'm', properties: { revenue: 12, cost: -1 } })).toBe(
      'batch[0].properties.cost must not be negative, got -1',
    )
    expect(parseEvent({ event: 'X', userId: 'u1', messageId: 'm', timestamp: '2024-13-01' }, { ...ctx, path: '', defaultType: 'track' })).toEqual({
      ok: false,
      messageId: 'm',
      reason: 'timestamp must be ISO-8601, got "2024-13-01"',
    })
  })
})
