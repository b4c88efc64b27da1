import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSource } from '../../src/collect/sources.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { dropStream, freshStream, NATS_REQUIRED, NATS_URL, probeNats } from '../helpers/nats.js'

const natsMissing = await probeNats()
const kinds = ['embedded', ...(natsMissing === null || NATS_REQUIRED ? ['nats'] : [])]

/** The server from source on a free port; resolves once it answers /health. */
async function serve(db: string, log: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/cli-entry.ts', 'serve', '--no-demo', '--port', String(port), '--db', db], {
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SALESTWIN_'))), SALESTWIN_LOG: log, SALESTWIN_LOG_LEVEL: 'warn', SALESTWIN_VALUE_REFRESH_MINUTES: '0', SALESTWIN_MAX_ACK_DELAY_MS: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the server did not start within 20 s')
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Issue 13, point 4: kill -9 of the server while 20 connections send, twice; after each restart,
 * every messageId that was acknowledged (200) is in the store once the processor has caught up.
 */
describe.each(kinds)('acknowledged means durable behind the %s log', (kind) => {
  it('loses no acknowledged event when the server is killed mid-stream, twice', async () => {
    if (kind === 'nats' && natsMissing) throw new Error(`NATS at ${NATS_URL} did not answer (${natsMissing}); .ci/run requires the log suites to run against JetStream`)
    const dir = mkdtempSync(join(tmpdir(), 'st-kill-'))
    const db = join(dir, 'store.db')
    const stream = freshStream()
    const log = kind === 'embedded' ? join(dir, 'log.db') : `${NATS_URL}?stream=${stream}`
    const setup = await openSqliteStore(db)
    const { writeKey } = await createSource(setup, 'web')
    await setup.close()
    const port = 20000 + Math.floor(Math.random() * 20000)
    const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' }
    const acked = new Set<string>()
    let sent = 0
    try {
      for (let round = 0; round < 2; round++) {
        const server = await serve(db, log, port)
        let stop = false
        const sender = async (lane: number) => {
          while (!stop) {
            const batch = Array.from({ length: 25 }, (_, i) => ({ type: 'track', event: 'Page Read', userId: `k-${lane}-${i % 5}`, messageId: `r${round}-l${lane}-${sent++}`, timestamp: new Date().toISOString() }))
            try {
              const res = await fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) })
              if (res.status === 200) for (const m of batch) acked.add(m.messageId)
              else await res.arrayBuffer()
            } catch {
              return // the server is gone
            }
          }
        }
        const lanes = Array.from({ length: 20 }, (_, lane) => sender(lane))
        await new Promise((r) => setTimeout(r, 1500))
        server.kill('SIGKILL')
        stop = true
        await Promise.all(lanes)
        await exited(server)
      }
      expect(acked.size).toBeGreaterThan(100)
      // Restarted: the processor applies what the log holds; then every acknowledged event is in the store.
      const server = await serve(db, log, port)
      for (let i = 0; i < 300; i++) {
        const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { log: { behind: number; applied: number } }
        if (health.log.behind === 0 && health.log.applied > 0) break
        await new Promise((r) => setTimeout(r, 100))
      }
      server.kill('SIGTERM')
      await exited(server)
      const store = await openSqliteStore(db)
      try {
        const dump = JSON.parse((await store.dumpTables()).events!) as { message_id: string }[]
        const stored = new Set(dump.map((e) => e.message_id))
        const missing = [...acked].filter((m) => !stored.has(m))
        expect(missing).toEqual([])
        expect(stored.size).toBe(dump.length) // and none twice
      } finally {
        await store.close()
      }
    } finally {
      if (kind === 'nats') await dropStream(stream)
    }
  }, 120_000)
})
