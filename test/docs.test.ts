import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS } from '../src/config/config.js'
import { HTTP_STATUS } from '../src/core/errors.js'

describe('docs stay in step with the code', () => {
  it('docs/errors.md lists exactly the codes of the error catalog, each with its status', () => {
    const doc = readFileSync('docs/errors.md', 'utf8')
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])
    expect(Object.fromEntries(documented)).toEqual(HTTP_STATUS)
  })

  it('docs/config.md lists every config key with its environment variable', () => {
    const doc = readFileSync('docs/config.md', 'utf8')
    const documented = [...doc.matchAll(/^\| `([a-zA-Z]+)` \| `(SALESTWIN_[A-Z_]+)` \|/gm)].map((m) => [m[1], m[2]])
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, v]) => [k, v.env])))
  })
})
