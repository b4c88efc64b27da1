import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

/** Runs `salestwin ARGS` from source with a clean SALESTWIN_* environment. */
async function salestwin(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SALESTWIN_')))
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'test/helpers/cli-entry.ts', ...args], { env, timeout: 60_000 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

describe('salestwin CLI', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'st-cli-')), 'cli.db')

  it('creates and lists sources; --json prints exactly one JSON document', async () => {
    const created = await salestwin(['sources', 'create', 'web', '--db', db, '--json'])
    expect(created.code).toBe(0)
    const source = JSON.parse(created.stdout)
    expect(source).toEqual({ name: 'web', writeKey: expect.stringMatching(/^wk_/), createdAt: expect.any(String) })
    const listed = await salestwin(['sources', 'list', '--db', db, '--json'])
    expect(JSON.parse(listed.stdout)).toEqual([source])
  })

  it('refuses a second source of the same name with a clear error', async () => {
    const again = await salestwin(['sources', 'create', 'web', '--db', db])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('error SOURCE_EXISTS: source "web" exists already; list it with: salestwin sources list\n')
  })

  it('imports a file and prints the summary with rejected lines as JSON, progress on stderr', async () => {
    const res = await salestwin(['import', 'orders', 'test/fixtures/orders-bad.csv', '--source', 'shop', '--map', 'date=timestamp', '--db', db, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ rows: 5, stored: 2, rejected: 3, rejections: [{ line: 3 }, { line: 4 }, { line: 5 }] })
    expect(res.stderr).toContain('import orders')
  })

  it('loads the demo with --json', async () => {
    const res = await salestwin(['demo', '--customers', '50', '--seed', '3', '--db', db, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ customers: 50, seed: 3, rejected: 0 })
  })
})
