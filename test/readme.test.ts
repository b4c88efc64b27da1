import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_REQUIRED, POSTGRES_URL, probePostgres } from './helpers/stores.js'

/**
 * Runs the README's commands as a new user would (issue 10.9): the server, then every shell and
 * JavaScript block in order in one bash session, so that the README cannot drift from salestwin.
 * What is not run is listed in NOT_RUN with the reason; a command that is in neither list fails.
 */
const README = readFileSync('README.md', 'utf8')
const NOT_RUN: Record<string, string> = {
  'npm install': 'the test runs in the tree that npm install (CI: npm ci) built',
  'npm test': 'this is the test suite itself',
}
const SERVER = 'npm start'
const PG_SERVER = 'SALESTWIN_DB=postgres://user:pass@host:5432/salestwin npm start'
const PORT_VARIANTS = ['npm start -- --port 4001', 'SALESTWIN_PORT=4001 npm start']

interface Block {
  lang: 'sh' | 'js'
  commands: string[]
}

/** The README's fenced sh and js blocks; sh blocks split into commands (continuations joined, comments dropped). */
function readmeBlocks(): Block[] {
  return [...README.matchAll(/```(sh|js)\n([\s\S]*?)```/g)].map((m) => {
    const lang = m[1] as 'sh' | 'js'
    if (lang === 'js') return { lang, commands: [m[2]!] }
    const commands: string[] = []
    let open = ''
    for (const line of m[2]!.split('\n')) {
      if (open === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue
      open += open ? `\n${line}` : line
      // A line ending in a backslash, or inside an open single-quoted string, continues the command.
      if (line.endsWith('\\') || (open.split("'").length - 1) % 2 === 1) continue
      commands.push(open)
      open = ''
    }
    return { lang, commands }
  })
}

const probe = await probePostgres()
const pgMissing = probe.ok ? null : `PostgreSQL at ${POSTGRES_URL} did not answer (${probe.why})`
/** A port nothing listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
const dir = mkdtempSync(join(tmpdir(), 'st-readme-'))
const db = join(dir, 'salestwin.db')
const PORT = await freePort()
const running: ChildProcess[] = []

/** The README's command with its ports moved to the test's, so that a server of the reader's own cannot interfere. */
function local(command: string, port = PORT): string {
  return command.replaceAll('localhost:4000', `localhost:${port}`).replaceAll('4001', String(port))
}

/** Starts a server command (`[VAR=value …] npm start …`) as its own process group; resolves when /health answers. */
async function startServer(command: string, env: Record<string, string>, port: number): Promise<{ child: ChildProcess; log: () => string }> {
  const words = command.split(' ')
  const assignments = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]))
  const [program, ...args] = words.filter((w) => !/^[A-Z_]+=/.test(w))
  let log = ''
  const child = spawn(program!, args, { env: { ...process.env, ...env, ...assignments }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  running.push(child)
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)
    if (ok) return { child, log: () => log }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`${command} did not answer on port ${port}:\n${log}`)
}

/** The server's log once it holds `text`: its lines reach the pipe a moment after /health answers (asynchronous writes). */
async function logWith(server: { log: () => string }, text: string): Promise<string> {
  for (let i = 0; i < 50 && !server.log().includes(text); i++) await new Promise((r) => setTimeout(r, 100))
  return server.log()
}

/** SIGTERM to npm's pid, as a process manager sends it: resolves with the exit code once npm and the server have gone. */
async function stop(child: ChildProcess, port: number): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  const code = await exited
  for (let i = 0; i < 50; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false)
    if (!up) return code
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the server on ${port} still answers after npm exited: SIGTERM did not reach it`)
}

/** Whether src/ has changed since dist/ was built (bin/salestwin.js, and so npx salestwin, runs dist/). */
function distIsStale(): boolean {
  const built = (() => {
    try {
      return statSync('dist/cli/main.js').mtimeMs
    } catch {
      return 0
    }
  })()
  const newest = (d: string): number =>
    Math.max(...readdirSync(d, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs)))
  return newest('src') > built
}

beforeAll(() => {
  if (distIsStale()) {
    const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
  }
})
afterAll(() => {
  for (const child of running) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL')
})

describe('the README, run as written', () => {
  const blocks = readmeBlocks()
  const all = blocks.flatMap((b) => (b.lang === 'sh' ? b.commands : []))

  it('classifies every command: run by this test, or not run for a stated reason', () => {
    const known = new Set([SERVER, PG_SERVER, ...Object.keys(NOT_RUN)])
    const session = all.filter((c) => !known.has(c))
    // Everything else runs in the session below; the server commands and the port variants are there to run.
    expect(all).toEqual(expect.arrayContaining([SERVER, PG_SERVER, 'npm install', 'npm test']))
    for (const variant of PORT_VARIANTS) expect(README).toContain(`\`${variant}\``)
    expect(session.length).toBeGreaterThan(10)
  })

  it('starts the server, answers every example, imports the example files, fits values, and stops on SIGTERM', async () => {
    const env = { SALESTWIN_DB: db, SALESTWIN_PORT: String(PORT), SALESTWIN_DEMO_CUSTOMERS: '300', SALESTWIN_VALUE_REFRESH_MINUTES: '0' }
    const server = await startServer(SERVER, env, PORT)
    for (let i = 0; i < 200 && !server.log().includes('demo loaded'); i++) await new Promise((r) => setTimeout(r, 150))
    expect(server.log()).toContain('demo loaded')
    expect(server.log()).toContain('NEW KEYS - shown this once')

    // Every sh and js block in README order, in one bash session (variables carry from one to the next).
    const known = new Set([SERVER, PG_SERVER, ...Object.keys(NOT_RUN)])
    const script = ['set -euo pipefail']
    blocks.forEach((block, b) => {
      for (const [c, command] of block.commands.entries()) {
        if (block.lang === 'sh' && known.has(command)) continue
        script.push(`echo "@@ block ${b} command ${c}" >&2`)
        script.push(block.lang === 'sh' ? local(command) : `node --input-type=module <<'SALESTWIN_JS'\n${local(command)}\nSALESTWIN_JS`)
      }
    })
    const run = spawnSync('bash', ['-c', script.join('\n')], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 })
    const where = run.stderr.split('\n').filter((l) => l.startsWith('@@')).at(-1)
    expect(run.status, `README command failed at ${where}:\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`).toBe(0)
    const out = run.stdout
    expect(out).toMatch(/"id": "prof_/) // the profile by userId
    expect(out).toMatch(/"allowed": (true|false)/) // may-contact with $ID set
    expect(out).toMatch(/"decisionId": "dec_/) // the next best offer at the till
    expect(out).toMatch(/"continues": "dec_/) // the same offer at the call center, continuing it
    expect(out).toContain('{"success":true,"stored":1,"duplicates":0,"rejected":[]}') // the curl batch
    expect(out).toMatch(/data\/examples\/contacts\.csv: 5 rows, 5 stored, 0 already there, 0 rejected, 1 stored with a warning/)
    expect(out).toContain('created source "stores"')
    expect(out).toMatch(/CDNOW_sample\.txt: 6919 rows, 6919 stored/)
    expect(out).toMatch(/consents\.csv: 4 rows, 4 stored/)
    expect(out).toMatch(/bgnbd on 2357 customers \(USD, days\)/)
    expect(run.stderr).not.toContain('warning: the newest USD order')

    expect(await stop(server.child, PORT)).toBe(0)
    expect(server.log()).toContain('SIGTERM: stopping')
  })

  it('starts on another port as the README says', async () => {
    for (const variant of PORT_VARIANTS) {
      const port = await freePort()
      const server = await startServer(local(variant, port), { SALESTWIN_DB: join(dir, 'ports.db'), SALESTWIN_DEMO: 'false' }, port)
      expect(await stop(server.child, port)).toBe(0)
    }
  })

  it('stops cleanly on Ctrl-C in a terminal, which signals npm and the server alike: the store is closed, the WAL gone', async () => {
    // Regression: the second SIGINT (npm passes its own on) killed the server mid-shutdown.
    const port = await freePort()
    const file = join(dir, 'ctrl-c.db')
    const server = await startServer(SERVER, { SALESTWIN_DB: file, SALESTWIN_PORT: String(port), SALESTWIN_DEMO_CUSTOMERS: '200', SALESTWIN_VALUE_REFRESH_MINUTES: '0' }, port)
    for (let i = 0; i < 200 && !server.log().includes('demo loaded'); i++) await new Promise((r) => setTimeout(r, 100))
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)))
    process.kill(-server.child.pid!, 'SIGINT') // the terminal's whole foreground group: npm and node
    await exited
    for (let i = 0; i < 50 && (await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100))
    expect(server.log()).toContain('SIGINT: stopping')
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(existsSync(file)).toBe(true)
  })

  it.skipIf(pgMissing !== null && !POSTGRES_REQUIRED)('starts on PostgreSQL with the URL in SALESTWIN_DB', async () => {
    if (pgMissing) throw new Error(`${pgMissing}; .ci/run requires the PostgreSQL suites to run`)
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    const name = `salestwin_readme_${process.pid}`
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
    try {
      const url = new URL(POSTGRES_URL)
      url.pathname = `/${name}`
      const port = await freePort()
      const server = await startServer(PG_SERVER.replace('postgres://user:pass@host:5432/salestwin', url.toString()), { SALESTWIN_PORT: String(port), SALESTWIN_DEMO: 'false' }, port)
      expect(await logWith(server, 'store postgres://')).toContain(`store postgres://`)
      expect(await stop(server.child, port)).toBe(0)
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    }
  })
})
