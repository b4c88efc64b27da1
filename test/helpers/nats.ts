import { randomBytes } from 'node:crypto'
import { NatsLog } from '../../src/log/nats-log.js'

/** The NATS JetStream the log suites run against: SALESTWIN_TEST_NATS_URL, else the local server. */
export const NATS_URL = process.env.SALESTWIN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
/** Set by .ci/run: a missing NATS then fails the log suites instead of skipping them. */
export const NATS_REQUIRED = process.env.SALESTWIN_REQUIRE_NATS === '1'

/** Null when JetStream answers (a scratch stream made and dropped), else why not. */
export async function probeNats(): Promise<string | null> {
  return NatsLog.open(NATS_URL, { stream: `PROBE_${randomBytes(4).toString('hex')}`, connectTimeoutMs: 2000 }).then(
    async (log) => {
      await log.destroy()
      await log.close()
      return null
    },
    (err: Error) => err.message,
  )
}

/** A fresh stream name for one test. */
export const freshStream = (): string => `T_${randomBytes(6).toString('hex')}`

/** Drops a test's stream and everything in it. */
export async function dropStream(stream: string): Promise<void> {
  const log = await NatsLog.open(NATS_URL, { stream })
  await log.destroy()
  await log.close()
}
