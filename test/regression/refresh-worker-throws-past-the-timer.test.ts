import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { runRefreshInWorker } from '../../src/refresh/run-in-worker.js'

// runRefreshInWorker threw synchronously for a store in memory; the server's timer calls
// `refresh().then(…)`, so the error escaped it instead of being logged as a failed refresh.
describe('the refresh worker on a store it cannot share', () => {
  it('answers with a rejected promise that names why, never a synchronous throw', async () => {
    let answer: Promise<unknown> | undefined
    expect(() => {
      answer = runRefreshInWorker(loadConfig({ flags: { db: ':memory:' } }))
    }).not.toThrow()
    await expect(answer).rejects.toThrow('a store in memory cannot be shared with a worker thread; use a file or PostgreSQL')
  })
})
