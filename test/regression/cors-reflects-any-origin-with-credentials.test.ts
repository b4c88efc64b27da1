import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.6: every route reflected any Origin with access-control-allow-credentials: true,
// /v1/audit included. Collection needs permissive CORS for browser SDKs; nothing else does.
let t: TestApp
beforeEach(async () => {
  t = await testApp({ corsOrigins: ['https://dashboard.example.com'] })
})
afterEach(async () => {
  await t.close()
})

const preflight = (url: string, origin: string, method = 'GET') =>
  t.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' } })

describe('CORS by route group', () => {
  it('collection routes answer any origin, never with credentials', async () => {
    for (const url of ['/v1/batch', '/v1/t', '/v1/track', '/v1/p']) {
      const res = await preflight(url, 'https://shop.example.org', 'POST')
      expect(res.statusCode, url).toBe(204)
      expect(res.headers['access-control-allow-origin'], url).toBe('https://shop.example.org')
      expect(res.headers['access-control-allow-credentials'], url).toBeUndefined()
    }
    const sent = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { origin: 'https://shop.example.org', authorization: t.basic, 'content-type': 'application/json' }, payload: JSON.stringify({ userId: 'u', event: 'E' }) })
    expect(sent.headers['access-control-allow-origin']).toBe('https://shop.example.org')
    expect(sent.headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('management, profile and admin routes allow no origin but the configured ones, and never credentials', async () => {
    for (const url of ['/v1/audit', '/v1/keys', '/v1/profiles?q=anna', '/v1/quarantine', '/v1/value', '/v1/consent/figures']) {
      const foreign = await preflight(url, 'https://evil.example.net')
      expect(foreign.headers['access-control-allow-origin'], url).toBeUndefined()
      expect(foreign.headers['access-control-allow-credentials'], url).toBeUndefined()
      const read = await t.app.inject({ method: 'GET', url, headers: { origin: 'https://evil.example.net', ...t.as.admin } })
      expect(read.headers['access-control-allow-origin'], url).toBeUndefined()
      const configured = await preflight(url, 'https://dashboard.example.com')
      expect(configured.headers['access-control-allow-origin'], url).toBe('https://dashboard.example.com')
      expect(configured.headers['access-control-allow-credentials'], url).toBeUndefined()
    }
  })
})
