import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

// Issue 10.9: `npm install` warned "EBADENGINE cookie@2.0.2 requires node >= 22" (through
// fastify → light-my-request 6.8) while the README says Node 20+. Every locked package must admit
// the oldest Node 20 the dependencies share (vite needs 20.19) and the Node running the tests.
describe('the lockfile on Node 20', () => {
  it('holds no package whose engines.node excludes Node 20.19', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: unknown }> }
    const excluding = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, p]) => {
        const range = typeof p.engines === 'object' && p.engines !== null ? (p.engines as { node?: string }).node : undefined
        if (!range) return []
        return [process.version, '20.19.0'].every((v) => semver.satisfies(v, range)) ? [] : [`${path} needs node ${range}`]
      })
    expect(excluding).toEqual([])
  })
})
