import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLES, type Role } from '../src/core/api-key.js'
import { installGuard } from '../src/server/access/guard.js'
import { KeyAuth } from '../src/server/access/key-auth.js'
import { createApiKey } from '../src/server/access/keys.js'
import { testApp, type TestApp } from './helpers/app.js'

/**
 * Who may call what. A new route must be added here with its access, or this test fails:
 * no route can be left open, or opened wider than intended, without a reviewer seeing it.
 */
const EXPECTED: [method: string, url: string, access: string][] = [
  ['OPTIONS', '*', 'public'], // CORS preflights (they carry no credentials)
  ['GET', '/health', 'public'],
  ...['batch', 'import', 'b', 'identify', 'i', 'track', 't', 'page', 'p', 'screen', 's', 'group', 'g', 'alias', 'a'].map(
    (p): [string, string, string] => ['POST', `/v1/${p}`, 'source'],
  ),
  ...['track', 'page', 'identify'].map((p): [string, string, string] => ['GET', `/v1/pixel/${p}`, 'source']),
  ['GET', '/v1/profiles/:id', 'agent admin personal'],
  ['GET', '/v1/profiles/:id/events', 'agent admin personal'],
  ['GET', '/v1/profiles', 'agent admin personal'],
  ['GET', '/v1/profiles/:id/consent', 'agent admin personal'],
  ['PUT', '/v1/profiles/:id/consent', 'agent admin personal'],
  ['GET', '/v1/profiles/:id/may-contact', 'agent admin personal'],
  ['GET', '/v1/profiles/:id/export', 'admin personal'],
  ['DELETE', '/v1/profiles/:id', 'admin personal'],
  ['GET', '/v1/consent/figures', 'analyst admin'],
  ['GET', '/v1/exports/profiles', 'analyst admin'],
  ['GET', '/v1/keys', 'admin'],
  ['POST', '/v1/keys', 'admin'],
  ['DELETE', '/v1/keys/:id', 'admin'],
  ['GET', '/v1/audit', 'admin'],
  ['GET', '/v1/quarantine', 'admin personal'],
  ['GET', '/v1/identity/conflicts', 'admin personal'],
  ['GET', '/v1/stats', 'analyst admin'],
  ['GET', '/v1/stats/events', 'analyst admin'],
  ['GET', '/v1/value', 'analyst admin'],
  ['GET', '/v1/attribution', 'analyst admin'],
  ['POST', '/v1/decide', 'source agent admin personal'],
  ['POST', '/v1/outcomes', 'source agent admin'],
  ['GET', '/v1/decisions/:id', 'agent admin personal'],
  ['GET', '/v1/profiles/:id/decisions', 'agent admin personal'],
  ['GET', '/v1/decide/performance', 'marketer analyst admin'],
  ['GET', '/v1/decide/calibration', 'marketer analyst admin'],
  ['GET', '/v1/decide/value-curve', 'marketer analyst admin'],
  ['GET', '/v1/experiments', 'marketer analyst admin'],
  ['GET', '/v1/decide/alerts', 'marketer analyst admin'],
  ['GET', '/v1/catalog', 'marketer analyst agent admin'],
  ['PUT', '/v1/catalog', 'marketer admin'],
  ['GET', '/v1/destinations', 'marketer admin'],
  ['GET', '/v1/destinations/failures', 'marketer admin'],
  ['POST', '/v1/destinations/failures/:decisionId/retry', 'admin'],
]

describe('route table: every route is guarded as intended', () => {
  let t: TestApp
  let profileId: string
  let doomedProfile: string
  let doomedKey: string
  let decisionId: string
  const catalog = { campaigns: [{ id: 'route', name: 'Route', status: 'active', channels: ['call_center'], offers: [{ id: 'route-offer', name: 'Route offer', value: 1 }] }] }

  beforeAll(async () => {
    t = await testApp()
    await t.app.ready()
    await t.collector.collect(
      [
        { raw: { type: 'identify', userId: 'rt-1', messageId: 'rt-1', traits: { email: 'rt1@example.com' } }, path: '' },
        { raw: { type: 'identify', userId: 'rt-2', messageId: 'rt-2', traits: { email: 'rt2@example.com' } }, path: '' },
      ],
      'web',
    )
    profileId = (await t.store.profiles.idOfIdentifier('userId:rt-1'))!
    doomedProfile = (await t.store.profiles.idOfIdentifier('userId:rt-2'))!
    doomedKey = (await createApiKey(t.store, { role: 'agent', name: 'to revoke' })).id
    await t.decide.apply(catalog, 'test')
    decisionId = (await t.decide.decide({ profileId, channel: 'call_center' })).decisionId
    // A dead letter for the retry route to put back.
    const at = new Date().toISOString()
    await t.store.write(async (tx) => {
      await tx.insertDeliveries([{ decisionId, destination: 'esp', channel: 'email', at }])
      await tx.settleDelivery(decisionId, 'failed', 3, 'HTTP 500', at)
    })
  })
  afterAll(async () => {
    await t.close()
  })

  const describeAccess = (a: (typeof t.app.routeTable)[number]['access']) =>
    a === 'public' ? 'public' : [...a.roles, ...(a.personal ? ['personal'] : [])].join(' ')

  it('has exactly the expected routes, each with its declared access (HEAD mirrors GET)', () => {
    const table = t.app.routeTable.filter((r) => r.method !== 'HEAD').map((r) => [r.method, r.url, describeAccess(r.access)])
    expect(table).toEqual(EXPECTED)
    for (const head of t.app.routeTable.filter((r) => r.method === 'HEAD')) {
      const get = t.app.routeTable.find((r) => r.method === 'GET' && r.url === head.url)!
      expect(head.access).toEqual(get.access)
    }
  })

  const request = (method: string, url: string, headers: Record<string, string>) => {
    const path = url
      .replace('/v1/profiles/:id', `/v1/profiles/${method === 'DELETE' ? doomedProfile : profileId}`)
      .replace('/v1/keys/:id', `/v1/keys/${doomedKey}`)
      .replace('/v1/decisions/:id', `/v1/decisions/${decisionId}`)
      .replace(':decisionId', decisionId)
    const pixel = `?data=${Buffer.from(JSON.stringify({ userId: 'rt-1', event: 'Pixel Checked' })).toString('base64')}`
    const query = path === '/v1/profiles' ? '?userId=rt-1' : path.endsWith('/may-contact') ? '?purpose=marketing&channel=email' : path.startsWith('/v1/pixel/') ? pixel : path === '/v1/decide/value-curve' ? '?campaign=route' : ''
    const bodies: Record<string, unknown> = {
      '/v1/keys': { role: 'analyst', name: 'made by the route test' },
      [`/v1/profiles/${profileId}/consent`]: { purpose: 'marketing', channel: 'post', state: 'opt_out', occurredAt: '2026-01-01T00:00:00Z' },
      '/v1/decide': { userId: 'rt-1', channel: 'call_center' },
      '/v1/outcomes': { decisionId, offerId: 'route-offer', outcome: 'click' },
      '/v1/catalog': catalog,
    }
    const event = { type: 'track', userId: 'rt-1', event: 'Route Checked', messageId: `rt-${Math.random()}` }
    const batch = ['/v1/batch', '/v1/import', '/v1/b'].includes(path)
    const body = method === 'POST' || method === 'PUT' ? (bodies[path] ?? (batch ? { batch: [event] } : event)) : undefined
    return t.app.inject({
      method: method as 'GET',
      url: path + query,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    })
  }

  it.each(EXPECTED.filter(([, , access]) => access !== 'public'))('%s %s: 401 without a key, 403 for other roles, served for its roles', async (method, url, access) => {
    const allowed = access.split(' ').filter((w): w is Role => (ROLES as readonly string[]).includes(w))
    const missing = await request(method, url, {})
    expect(missing.statusCode).toBe(401)
    const collection = t.app.routeTable.find((r) => r.method === method && r.url === url)?.access
    expect(missing.json().code).toBe(collection !== 'public' && collection?.collection ? 'WRITE_KEY_INVALID' : 'API_KEY_INVALID')
    const wrong = await request(method, url, { authorization: 'Bearer sk_not_a_key' })
    expect(wrong.statusCode).toBe(401)
    for (const role of ROLES.filter((r) => !allowed.includes(r))) {
      const res = await request(method, url, t.as[role])
      expect(res.statusCode, `${role} on ${method} ${url}`).toBe(403)
      expect(res.json().code).toBe('ROLE_FORBIDDEN')
    }
    for (const role of allowed) {
      if (method === 'DELETE' && role !== allowed.at(-1)) continue // erase / revoke once, with the last allowed role
      const before = (await t.store.access.listAudit({ limit: 1000 })).items.length
      const res = await request(method, url, t.as[role])
      // Served: past the guard, and answered (GET /v1/value is a 404 until the first value refresh).
      expect([401, 403], `${role} on ${method} ${url}: ${res.body}`).not.toContain(res.statusCode)
      expect(res.statusCode, `${role} on ${method} ${url}: ${res.body}`).toBeLessThan(url === '/v1/value' ? 405 : 300)
      // A route that reads or changes a person's data leaves an audit line for the call.
      const after = (await t.store.access.listAudit({ limit: 1000 })).items.length
      if (access.includes('personal')) expect(after, `audit of ${method} ${url}`).toBeGreaterThan(before)
    }
  })

  it('refuses to start with a route that declares no access', async () => {
    const app = Fastify()
    installGuard(app, new KeyAuth(t.store))
    expect(() => app.get('/v1/open', async () => ({ open: true }))).toThrow('route GET /v1/open declares no access')
    await app.close()
  })

  it('stops taking a revoked key at once', async () => {
    const key = await createApiKey(t.store, { role: 'agent', name: 'short-lived' })
    const headers = { authorization: `Bearer ${key.secret}` }
    expect((await t.app.inject({ method: 'GET', url: `/v1/profiles/${profileId}`, headers })).statusCode).toBe(200)
    const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: t.as.admin })
    expect(revoked.json()).toMatchObject({ id: key.id, revokedAt: expect.any(String) })
    const after = await t.app.inject({ method: 'GET', url: `/v1/profiles/${profileId}`, headers })
    expect(after.statusCode).toBe(401)
  })
})
