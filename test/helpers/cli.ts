import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs `salestwin ARGS` from source with a clean SALESTWIN_* environment (plus `env`), with Node's own flags first. */
export async function salestwin(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<{ stdout: string; stderr: string; code: number }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SALESTWIN_')))
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, '--import', 'tsx', 'test/helpers/cli-entry.ts', ...args], { env: { ...clean, ...env }, timeout: 60_000, maxBuffer: 64 * 2 ** 20 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}
