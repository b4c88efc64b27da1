import { spawn, type ChildProcess } from 'node:child_process'
import { openStore } from '../src/store/open-store.js'
import type { Store } from '../src/store/store.js'

/**
 * The benchmarks' HTTP side: a salestwin server on a store as its own process, requests timed to
 * their full answer, and open-loop load (fired on schedule whatever came back).
 */
export const quantile = (xs: number[], q: number) => (xs.length === 0 ? null : Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]! * 10) / 10)

/** The helpers for one server: its port, its store (SQLite path or postgres:// URL) and its environment. */
export function httpLoad({ port: PORT, db: DB, env }: { port: number; db: string; env: NodeJS.ProcessEnv }) {
  async function startServer(extraEnv: Record<string, string>, onLog: (line: string) => void = () => undefined): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['bin/salestwin.js', 'serve', '--no-demo', '--port', String(PORT), '--db', DB], {
      env: { ...env, SALESTWIN_LOG_LEVEL: 'info', SALESTWIN_MAX_ACK_DELAY_MS: '0', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = ''
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n')
        rest = lines.pop()!
        lines.forEach(onLog)
      })
    }
    for (let i = 0; i < 600; i++) {
      if (await fetch(`http://127.0.0.1:${PORT}/health`).then((r) => r.ok, () => false)) return child
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('server did not start')
  }

  async function stopServer(server: ChildProcess): Promise<void> {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
  }

  /** One request's status and milliseconds to its full answer. */
  async function timedFetch(path: string, init: RequestInit): Promise<{ ok: boolean; ms: number }> {
    const started = performance.now()
    const ok = await fetch(`http://127.0.0.1:${PORT}${path}`, { ...init, signal: AbortSignal.timeout(30_000) }).then(
      async (r) => {
        await r.arrayBuffer()
        return r.ok
      },
      () => false,
    )
    return { ok, ms: performance.now() - started }
  }

  /** Fires `send` `rate` times a second on schedule for `seconds` (open loop) and collects every answer. */
  async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<{ ok: boolean; ms: number }>, until?: () => boolean) {
    const sent: Promise<{ ok: boolean; ms: number }>[] = []
    const started = performance.now()
    await new Promise<void>((done) => {
      const tick = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * rate)
        while (sent.length < due) sent.push(send(sent.length))
        if (until ? until() : performance.now() - started >= seconds * 1000) {
          clearInterval(tick)
          done()
        }
      }, 5)
    })
    const results = await Promise.all(sent)
    return { requests: results.length, failed: results.filter((r) => !r.ok).length, p50Ms: quantile(results.map((r) => r.ms), 0.5), p99Ms: quantile(results.map((r) => r.ms), 0.99) }
  }

  /** Reads the store here directly, and closes it again before the server opens it. */
  async function fromStore<T>(read: (store: Store) => Promise<T>): Promise<T> {
    const store = await openStore(DB.startsWith('postgres') ? { kind: 'postgres', url: DB } : { kind: 'sqlite', path: DB })
    try {
      return await read(store)
    } finally {
      await store.close()
    }
  }

  return { startServer, stopServer, timedFetch, openLoop, fromStore }
}
