import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Collector } from '../../src/collect/collector.js'
import { importFile } from '../../src/importers/import-file.js'
import type { Store } from '../../src/store/store.js'
import { refreshValues } from '../../src/value/refresh-values.js'
import { salestwin } from '../helpers/cli.js'
import { collectorFor, freshStore } from '../helpers/stores.js'
import { CDNOW_IMPORT } from '../helpers/cdnow.js'

// Issue 10.10: after the README's CDNOW import, `value fit --currency USD` scored 1997 data against
// today (mean CLV 0.12, holdout all zeros, a cluster labelled "loyal high value"); there was no
// --as-of; the store fit and the summary fit treated a zero-value repeat buyer differently; the
// summary's error line numbers were not the file's.
const opts = { discountRate: 0.1, horizonDays: 365 }

describe('value fit on historical orders', () => {
  let store: Store
  let collector: Collector
  beforeEach(async () => {
    store = await freshStore('sqlite')
    collector = collectorFor(store)
    await importFile(collector, 'data/cdnow/CDNOW_sample.txt', CDNOW_IMPORT)
  })
  afterEach(async () => {
    await store.close()
  })

  it('scores as of the end of the calibration period, and warns when the newest order is long before the as-of date', async () => {
    const today = await refreshValues(store, { ...opts, currency: 'USD' })
    expect(today.warnings).toEqual([expect.stringMatching(/^the newest USD order \(1998-06-30\) is \d+ days before the calibration end \d{4}-\d\d-\d\d: the fit measures mostly that silence/)])
    expect(today.clustering?.clusters.map((c) => c.label)).not.toContain('loyal high value')

    const asOf = await refreshValues(store, { ...opts, currency: 'USD', asOf: new Date('1997-09-30T23:59:59Z') })
    expect(asOf.warnings).toEqual([])
    expect(asOf.asOf).toBe('1997-09-30T23:59:59.000Z')
    // Every CDNOW customer made the first purchase in the first quarter of 1997: all are in the calibration.
    expect(asOf.customers).toBe(2357)
    const meanClv = (await store.values.ofKind('value')).reduce((s, v) => s + ((v.data as { clv: number }).clv ?? 0), 0) / asOf.customers
    expect(meanClv).toBeGreaterThan(5)
    // The holdout (the last 90 days before as-of) has purchases to compare with.
    expect(asOf.holdoutCheck!.rows.some((r) => r.actualMean > 0)).toBe(true)
  })

  it('prints standard errors and log-likelihood with --json from the store, and takes --as-of', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'st-asof-')), 'v.db')
    expect((await salestwin(['import', 'orders', 'data/cdnow/CDNOW_sample.txt', '--source', 'import', '--create-source', '--columns', 'master_id,id,date,n_cds,dollar_value', '--map', 'id=userId', 'date=timestamp', 'dollar_value=revenue', 'n_cds=quantity', '--date-format', 'yyyyMMdd', '--currency', 'USD', '--db', db])).code).toBe(0)
    const fit = await salestwin(['value', 'fit', '--currency', 'USD', '--as-of', '1997-09-30', '--db', db, '--json'])
    expect(fit.code).toBe(0)
    expect(JSON.parse(fit.stdout)).toMatchObject({
      model: 'bgnbd',
      asOf: '1997-09-30T00:00:00.000Z',
      params: { r: expect.any(Number), alpha: expect.any(Number), a: expect.any(Number), b: expect.any(Number) },
      standardErrors: { r: expect.any(Number), alpha: expect.any(Number), a: expect.any(Number), b: expect.any(Number) },
      logLikelihood: expect.any(Number),
      warnings: [],
    })
    const stale = await salestwin(['value', 'fit', '--currency', 'USD', '--db', db, '--json'])
    expect(stale.stderr).toMatch(/^warning: the newest USD order \(1998-06-30\)/m)
    expect(JSON.parse(stale.stdout).warnings).toHaveLength(1)
  })
})

describe('a summary file', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'st-summary-')), 's.csv')
    writeFileSync(path, text)
    return path
  }

  it('leaves a repeat buyer with a zero mean order out of Gamma-Gamma and says how many, as the store fit does', async () => {
    const rows = ['ID,frequency,recency,T,monetary_value', '1,0,0,30,0', '2,3,20,30,0']
    for (let i = 3; i < 30; i++) rows.push(`${i},${1 + (i % 5)},${10 + (i % 17)},30,${(10 + ((i * 7) % 23)).toFixed(2)}`)
    const res = await salestwin(['value', 'fit', '--model', 'gammagamma', '--summary', file(rows.join('\n')), '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ model: 'gammagamma', n: 27, zeroValueRepeatBuyers: 1 })
  })

  it("names the file's own line number in an error, blank lines counted", async () => {
    const res = await salestwin(['value', 'fit', '--summary', file('ID,frequency,recency,T\n1,1,5,30\n\n\n2,x,5,30\n'), '--json'])
    expect(res.stderr).toBe('error VALUE_INPUT_INVALID: line 5: frequency must be a number, got "x"\n')
  })
})
