import { EmbeddedLog } from './embedded-log.js'
import type { EventLog } from './event-log.js'
import { NatsLog, type NatsLogOptions } from './nats-log.js'

/**
 * The log a setting names: a `nats://host:port` URL is NATS JetStream (`?stream=NAME` picks the
 * stream, default SALESTWIN; `&replicas=3` in a cluster), anything else the embedded log's file.
 */
export function openLog(where: string, opts: NatsLogOptions = {}): Promise<EventLog> {
  if (!/^nats:\/\//.test(where)) return Promise.resolve(new EmbeddedLog(where))
  const url = new URL(where)
  const stream = url.searchParams.get('stream')
  const replicas = url.searchParams.get('replicas')
  return NatsLog.open(`nats://${url.host}`, { ...opts, ...(stream ? { stream } : {}), ...(replicas ? { replicas: Number(replicas) } : {}) })
}
