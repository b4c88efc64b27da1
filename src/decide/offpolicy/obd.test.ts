import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readObd } from './obd.js'
import { evaluateLearner, validateOnBts } from './obd-evaluation.js'

const logs = {
  random: { men: await readObd('data/obd/random/men'), women: await readObd('data/obd/random/women') },
  bts: { men: await readObd('data/obd/bts/men'), women: await readObd('data/obd/bts/women') },
}
const mean = (xs: { reward: number }[]) => xs.reduce((s, x) => s + x.reward, 0) / xs.length

describe('the Open Bandit Dataset (data/obd)', () => {
  it('reads the small sample as its SOURCE.md describes it', () => {
    expect([logs.random.men.rounds.length, logs.random.men.items, logs.random.women.items]).toEqual([10_000, 34, 46])
    expect([mean(logs.random.men.rounds), mean(logs.random.women.rounds), mean(logs.bts.men.rounds), mean(logs.bts.women.rounds)]).toEqual([0.0046, 0.0046, 0.0069, 0.0046])
    expect(new Set(logs.random.men.rounds.map((r) => r.propensity))).toEqual(new Set([1 / 34]))
  })

  it('estimates the Bernoulli-TS policy from the random log within its interval of BTS’s own click rate', () => {
    for (const c of ['men', 'women'] as const) {
      const v = validateOnBts(logs.random[c], logs.bts[c], { bootstrap: 300 })
      expect(v.onPolicy.value).toBe(mean(logs.bts[c].rounds))
      for (const k of ['ipw', 'snipw', 'dr'] as const) {
        expect(v.checked[k].covered).toBe(true)
        expect(v.checked[k].relativeError).toBeLessThan(0.35)
      }
    }
  })

  it('evaluates the learner’s policies on the later half, the random policy itself exactly', () => {
    const e = evaluateLearner(logs.random.men, { bootstrap: 200, draws: 50 })
    expect([e.trainRounds, e.testRounds]).toEqual([5000, 5000])
    expect(e.uniform.ipw.value).toBeCloseTo(e.random.value, 12)
    for (const policy of [e.greedy, e.thompson]) {
      for (const k of ['ipw', 'snipw', 'dr'] as const) {
        expect(policy[k]!.low).toBeLessThanOrEqual(policy[k]!.value)
        expect(policy[k]!.high).toBeGreaterThanOrEqual(policy[k]!.value)
      }
    }
  })

  it('names the file, the line and the column of what it cannot take', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'obd-')), 'men')
    mkdirSync(dir)
    writeFileSync(join(dir, 'item_context.csv'), ',item_id,item_feature_0\n0,0,1\n1,1,2\n')
    const header = ',timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,user_feature_2,user_feature_3'
    writeFileSync(join(dir, 'men.csv'), `${header}\n0,2019-11-24 00:03:13+00:00,1,1,0,0.5,a,b,c,d\n1,2019-11-24 00:04:13+00:00,0,2,1,0,a,b,c,d\n`)
    await expect(readObd(dir)).rejects.toThrow(`${join(dir, 'men.csv')}, line 3, column propensity_score: must be a probability above 0 (inverse-propensity weights divide by it), got "0"`)
    writeFileSync(join(dir, 'men.csv'), `${header.replace(',propensity_score', '')}\n0,2019-11-24 00:03:13+00:00,1,1,0,a,b,c,d\n`)
    await expect(readObd(dir)).rejects.toThrow(`${join(dir, 'men.csv')}, line 1: missing column "propensity_score"`)
  })
})
