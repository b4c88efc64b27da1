import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { salestwin } from './helpers/cli.js'

describe('salestwin CLI', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'st-cli-')), 'cli.db')

  it('creates and lists sources; --json prints exactly one JSON document', async () => {
    const created = await salestwin(['sources', 'create', 'web', '--db', db, '--json'])
    expect(created.code).toBe(0)
    const source = JSON.parse(created.stdout)
    expect(source).toEqual({ name: 'web', writeKey: expect.stringMatching(/^wk_/), keyId: expect.stringMatching(/^key_/), createdAt: expect.any(String) })
    const listed = await salestwin(['sources', 'list', '--db', db, '--json'])
    // The key was shown once; the list names it by id and hint only.
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'web', createdAt: source.createdAt, keys: [{ id: source.keyId, hint: `${source.writeKey.slice(0, 7)}…` }] }])
    expect(listed.stdout).not.toContain(source.writeKey)
  })

  it('refuses a second source of the same name with a clear error', async () => {
    const again = await salestwin(['sources', 'create', 'web', '--db', db])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('error SOURCE_EXISTS: source "web" exists already; list it with: salestwin sources list\n')
  })

  it('creates, lists and revokes API keys; the key is shown once and never listed', async () => {
    const created = await salestwin(['keys', 'create', '--role', 'analyst', '--name', 'bi export', '--db', db, '--json'])
    expect(created.code).toBe(0)
    const key = JSON.parse(created.stdout)
    expect(key).toMatchObject({ id: expect.stringMatching(/^key_/), role: 'analyst', name: 'bi export', secret: expect.stringMatching(/^sk_/), revokedAt: null })
    const listed = await salestwin(['keys', 'list', '--db', db, '--json'])
    expect(JSON.parse(listed.stdout)).toContainEqual({ id: key.id, name: 'bi export', role: 'analyst', source: null, hint: `${key.secret.slice(0, 7)}…`, createdAt: key.createdAt, revokedAt: null })
    expect(listed.stdout).not.toContain(key.secret)
    const revoked = await salestwin(['keys', 'revoke', key.id, '--db', db, '--json'])
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, revokedAt: expect.any(String) })
    const bad = await salestwin(['keys', 'create', '--role', 'boss', '--name', 'x', '--db', db])
    expect(bad.stderr).toBe('error REQUEST_INVALID: role must be one of source, agent, analyst, marketer, admin, got "boss"\n')
    const gone = await salestwin(['keys', 'revoke', 'key_nope', '--db', db])
    expect(gone.stderr).toBe('error KEY_NOT_FOUND: no key has id "key_nope"; list them with: salestwin keys list\n')
  })

  it('imports a file and prints the summary with rejected lines as JSON, progress on stderr', async () => {
    const res = await salestwin(['import', 'orders', 'test/fixtures/orders-bad.csv', '--source', 'shop', '--create-source', '--map', 'date=timestamp', '--db', db, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ rows: 5, stored: 2, rejected: 3, rejections: [{ line: 3 }, { line: 4 }, { line: 5 }] })
    expect(res.stderr).toContain('import orders')
  })

  it('exports and erases a person by email (privacy export / erase)', async () => {
    await salestwin(['import', 'contacts', 'test/fixtures/contacts.jsonl', '--source', 'crm', '--create-source', '--db', db])
    const exported = await salestwin(['privacy', 'export', '--email', 'C1@Example.com', '--db', db])
    expect(exported.code).toBe(0)
    const data = JSON.parse(exported.stdout)
    expect(data.identifiers).toContainEqual(expect.objectContaining({ kind: 'email', value: 'c1@example.com' }))
    const erased = await salestwin(['privacy', 'erase', '--email', 'c1@example.com', '--db', db, '--json'])
    expect(JSON.parse(erased.stdout)).toMatchObject({ profileId: data.profile.id, removed: { identifiers: expect.any(Number) }, suppressed: expect.any(Number) })
    const again = await salestwin(['privacy', 'erase', '--email', 'c1@example.com', '--db', db])
    expect(again.stderr).toBe('error PROFILE_NOT_FOUND: no profile has that email\n')
    const both = await salestwin(['privacy', 'erase', '--email', 'a@b.de', '--user-id', 'u1', '--db', db])
    expect(both.stderr).toBe('error REQUEST_INVALID: name the person by exactly one of --email, --user-id, --phone, --profile-id, got 2\n')
  })

  it('loads the demo with --json', async () => {
    const res = await salestwin(['demo', '--customers', '50', '--seed', '3', '--db', db, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ customers: 50, seed: 3, rejected: 0, catalogVersion: 1 })
  })

  it('applies a catalog (or only checks it), shows it, and decides with --json; a bad one is refused with its problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-catalog-'))
    const file = join(dir, 'catalog.yaml')
    writeFileSync(file, 'campaigns:\n  - { id: care, name: Care, status: active, channels: [in_store], offers: [{ id: care-1, name: Check, value: 5 }] }\n')
    expect(JSON.parse((await salestwin(['catalog', 'apply', file, '--dry-run', '--db', db, '--json'])).stdout)).toEqual({ version: null, campaigns: 1, offers: 1, dryRun: true })
    expect(JSON.parse((await salestwin(['catalog', 'apply', file, '--db', db, '--json'])).stdout)).toEqual({ version: 2, campaigns: 1, offers: 1, dryRun: false })
    const shown = JSON.parse((await salestwin(['catalog', 'show', '--db', db, '--json'])).stdout)
    expect([shown.version, shown.campaigns.map((c: { id: string }) => c.id)]).toEqual([2, ['care']])
    const decided = JSON.parse((await salestwin(['decide', '--channel', 'in_store', '--db', db, '--json'])).stdout)
    expect(decided).toMatchObject({ profileId: null, catalogVersion: 2, offers: [{ offer: 'care-1', campaign: 'care' }] })
    // Every profile of the 50-customer demo above, on the shop's channel: the best offer kept on each profile.
    const all = JSON.parse((await salestwin(['decide', 'all', '--channel', 'in_store', '--db', db, '--json'])).stdout)
    expect(all).toMatchObject({ channels: ['in_store'], catalogVersion: 2 })
    expect(all.profiles).toBeGreaterThanOrEqual(50)
    expect(all.bestByCampaign['in_store:care'] + all.withoutOffer).toBe(all.profiles)
    const report = JSON.parse((await salestwin(['decide', 'report', '--from', '2026-01-01', '--to', '2026-12-31', '--db', db, '--json'])).stdout)
    expect(report).toMatchObject({ from: '2026-01-01', to: '2026-12-31', offers: expect.any(Array), campaigns: expect.any(Array), calibration: { bands: expect.any(Array), days: expect.any(Array) }, alerts: [], resets: [] })
    expect((await salestwin(['decide', 'everything', '--db', db])).stderr).toBe('error REQUEST_INVALID: decide takes "all", "run", "evaluate", "report" or no argument, got "everything"\n')
    writeFileSync(file, 'campaigns:\n  - { id: care, name: Care, status: active, channels: [fax], audience: "value.clv >", offers: [{ id: care-1, name: Check, value: 5 }] }\n')
    const bad = await salestwin(['catalog', 'apply', file, '--db', db])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('error CATALOG_INVALID: the catalog was refused (1 problem): campaign "care".channels.0: must be one of email, sms, phone, post, push, web, in_store, call_center, got "fax"\n')
  })

  it('runs an outbound channel into a CSV export with --json, and lists the dead letters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-outbound-'))
    const file = join(dir, 'catalog.yaml')
    // No quiet hours: the run must not depend on the hour the suite runs at.
    writeFileSync(file, 'contactPolicy: { quietHours: { from: 0, to: 0 } }\ncampaigns:\n  - { id: news, name: News, status: active, channels: [email], offers: [{ id: news-1, name: News, value: 5, content: { email: { subject: Hello } } }] }\n')
    expect((await salestwin(['catalog', 'apply', file, '--db', db])).code).toBe(0)
    const csv = join(dir, 'run.csv')
    const report = JSON.parse((await salestwin(['decide', 'run', '--channel', 'email', '--export', csv, '--db', db, '--json'])).stdout)
    expect(report).toMatchObject({ channel: 'email', destination: 'export', export: csv, failed: 0 })
    expect(report.due).toBeGreaterThan(0)
    expect(report.delivered + report.suppressed).toBe(report.due)
    const lines = readFileSync(csv, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('decision_id,decided_at,channel,profile_id,user_id,email,phone,name,campaign,offer,offer_name,subject,title,body,script,url,score')
    expect(lines).toHaveLength(report.delivered + 1)
    expect(JSON.parse((await salestwin(['destinations', 'failures', '--db', db, '--json'])).stdout)).toEqual({ items: [] })
    expect((await salestwin(['decide', 'run', '--channel', 'email', '--db', db])).stderr).toBe(
      'error REQUEST_INVALID: name a destination for email with --destination, or --export FILE; destinations: none is configured (config destinations, docs/decide.md)\n',
    )
  })

  it('evaluates off-policy on the Open Bandit Dataset with --json, the BTS log found beside the random one; without --data it says what it needs', async () => {
    const res = await salestwin(['decide', 'evaluate', '--data', 'data/obd/random/women', '--bootstrap', '100', '--json'])
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out.validation).toMatchObject({ campaign: 'women', rounds: 10_000, onPolicy: { value: 0.0046 } })
    expect(Object.keys(out.validation.estimates)).toEqual(['ipw', 'snipw', 'dr'])
    expect(out.learner).toMatchObject({ trainRounds: 5000, testRounds: 5000 })
    const missing = await salestwin(['decide', 'evaluate'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('decide evaluate needs --data DIR')
  })

  it('fits a value model from a summary CSV with --json: one document with params, standard errors and log-likelihood', async () => {
    const res = await salestwin(['value', 'fit', '--model', 'pareto', '--summary', 'data/cdnow/cdnow_customers_summary.csv', '--json'])
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out).toMatchObject({ model: 'pareto', n: 2357, params: { r: expect.any(Number), alpha: expect.any(Number), s: expect.any(Number), beta: expect.any(Number) } })
    expect(out.params.r).toBeCloseTo(0.5533, 3)
    expect(out.logLikelihood).toBeCloseTo(-9594.97, 1)
    expect(Object.keys(out.standardErrors)).toEqual(['r', 'alpha', 's', 'beta'])
  })

  it('predicts per customer with --json, and says what a summary lacks', async () => {
    const res = await salestwin(['value', 'predict', '--summary', 'data/cdnow/cdnow_customers_summary_with_transactions.csv', '--t', '39', '--json'])
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out.customers).toHaveLength(2357)
    expect(out.customers[0]).toMatchObject({ id: '1', probabilityAlive: expect.closeTo(0.7266, 3), expectedPurchases: expect.closeTo(1.2259, 3), expectedSpendPerOrder: expect.closeTo(24.65, 1) })
    expect(out.customers[0].clv).toBeCloseTo(out.customers[0].expectedPurchases * out.customers[0].expectedSpendPerOrder, 3)
    const bad = await salestwin(['value', 'fit', '--model', 'gammagamma', '--summary', 'data/cdnow/cdnow_customers_summary.csv'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('error VALUE_INPUT_INVALID: Gamma-Gamma needs a monetary_value (or zbar) column\n')
  })

  it('fits on the store, rescores the profiles and reports the run with --json', async () => {
    const own = join(mkdtempSync(join(tmpdir(), 'st-cli-value-')), 'value.db')
    expect((await salestwin(['demo', '--customers', '400', '--seed', '5', '--db', own, '--json'])).code).toBe(0)
    const fit = await salestwin(['value', 'fit', '--db', own, '--json'])
    expect(fit.code).toBe(0)
    expect(JSON.parse(fit.stdout)).toMatchObject({ model: 'bgnbd', unit: 'days', currency: 'EUR', profilesScored: expect.any(Number) })
    const pareto = await salestwin(['value', 'fit', '--model', 'pareto', '--db', own, '--json'])
    expect(JSON.parse(pareto.stdout)).toMatchObject({ model: 'pareto', unit: 'days', params: { s: expect.any(Number), beta: expect.any(Number) } })
    const bgbb = await salestwin(['value', 'fit', '--model', 'bgbb', '--db', own])
    expect(bgbb.stderr).toBe('error VALUE_INPUT_INVALID: BG/BB needs discrete-opportunity data (frequency,recency,periods,weights); use --summary\n')
    const report = await salestwin(['value', 'report', '--db', own, '--json'])
    const run = JSON.parse(report.stdout)
    expect(run.clustering.clusters.length).toBeGreaterThanOrEqual(2)
    expect(run.holdoutCheck.holdoutDays).toBe(90)
  })

  it('imports spend whole or not at all, and attribution then shows cost, CPA and ROAS', async () => {
    const own = join(mkdtempSync(join(tmpdir(), 'st-cli-attr-')), 'attr.db')
    const bad = await salestwin(['import', 'spend', 'test/fixtures/spend-bad.csv', '--db', own])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      'error IMPORT_INVALID: test/fixtures/spend-bad.csv: nothing imported, 3 problem(s): ' +
        'line 3: channel must be one of paid_search, organic_search, social, email, display, mobile_ad, affiliate, referral, direct, print, radio, tv, store, call_center, event, got "billboards"; ' +
        'line 4: cost must not be negative, got -15; ' +
        'line 5: paid_search/brand_search on 2025-06-01 is already on line 2: periods must not overlap\n',
    )
    const good = await salestwin(['import', 'spend', 'test/fixtures/spend.csv', '--db', own, '--json'])
    expect(JSON.parse(good.stdout)).toEqual({ file: 'test/fixtures/spend.csv', kind: 'spend', rows: 3, stored: 3, totalCost: 215.5 })
    expect((await salestwin(['demo', '--customers', '300', '--seed', '8', '--db', own, '--json'])).code).toBe(0)
    const attribution = await salestwin(['attribution', '--model', 'all', '--db', own, '--json'])
    expect(attribution.code).toBe(0)
    const report = JSON.parse(attribution.stdout)
    const paid = report.models.markov.paid_search
    expect(paid.cost).toBe(120.5)
    expect(paid.cpa).toBeCloseTo(120.5 / paid.conversions, 3)
    expect(paid.roas).toBeCloseTo(paid.value / 120.5, 3)
    expect(report.campaigns.last_touch['paid_search/brand_search'].cost).toBe(120.5)
  })
})
