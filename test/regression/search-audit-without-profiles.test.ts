import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'

// Issue 10.8: a search was audited as one line without a profile, so GET /v1/audit?profileId= did
// not list the searches that disclosed a person.
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

describe('the audit of a profile search', () => {
  it("lists the search in the audit trail of every profile it returned, and of none it did not", async () => {
    const people = [
      { userId: 'anna-1', traits: { email: 'anna.berg@example.com', name: 'Anna Berg' } },
      { userId: 'anna-2', traits: { email: 'anna.kurz@example.com', name: 'Anna Kurz' } },
      { userId: 'bert-1', traits: { email: 'bert@example.com', name: 'Bert Lang' } },
    ]
    await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: t.basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ batch: people.map((p, i) => ({ type: 'identify', messageId: `id-${i}`, ...p })) }),
    })
    const search = await t.app.inject({ method: 'GET', url: '/v1/profiles?q=anna', headers: { ...t.as.agent, 'x-salestwin-purpose': 'customer_service' } })
    expect(search.json().items).toHaveLength(2)
    const auditOf = async (userId: string) => {
      const id = (await t.store.profiles.idOfIdentifier(`userId:${userId}`))!
      return (await t.app.inject({ method: 'GET', url: `/v1/audit?profileId=${id}`, headers: t.as.admin })).json().items as { action: string; actor: string; purpose: string }[]
    }
    for (const shown of ['anna-1', 'anna-2']) {
      expect((await auditOf(shown)).filter((a) => a.action === 'profile.search')).toEqual([expect.objectContaining({ actor: 'test agent', purpose: 'customer_service' })])
    }
    expect((await auditOf('bert-1')).filter((a) => a.action === 'profile.search')).toEqual([])
  })
})
