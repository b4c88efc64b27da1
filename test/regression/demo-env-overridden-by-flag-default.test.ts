import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { givenOptions } from '../../src/cli/main.js'
import { loadConfig } from '../../src/config/config.js'

// Found while checking the quickstart (issue 10.9): `SALESTWIN_DEMO=false npm start` still loaded the
// demo, because commander's `--no-demo` sets demo=true by default and flags outrank the environment.
const serve = () => new Command('serve').exitOverride().option('--port <n>').option('--no-demo')

describe('serve flags', () => {
  it('passes only the options given, so SALESTWIN_DEMO=false holds when --no-demo is not given', () => {
    const cmd = serve().parse([], { from: 'user' })
    expect(givenOptions(cmd)).toEqual({})
    expect(loadConfig({ flags: givenOptions(cmd), env: { SALESTWIN_DEMO: 'false' } }).demo).toBe(false)
  })

  it('passes --no-demo and --port when given', () => {
    const cmd = serve().parse(['--no-demo', '--port', '4001'], { from: 'user' })
    expect(givenOptions(cmd)).toEqual({ demo: false, port: '4001' })
    expect(loadConfig({ flags: givenOptions(cmd), env: {} })).toMatchObject({ demo: false, port: 4001 })
  })
})
