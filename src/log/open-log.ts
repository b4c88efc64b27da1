import { EmbeddedLog } from './embedded-log.js'
import type { EventLog } from './event-log.js'
import { NatsLog, type NatsLogOptions } from './nats-log.js'

/** The log a setting names: a `nats://` URL is NATS JetStream, anything else the embedded log's file. */
export function openLog(where: string, opts: NatsLogOptions = {}): Promise<EventLog> {
  return /^nats:\/\//.test(where) ? NatsLog.open(where, opts) : Promise.resolve(new EmbeddedLog(where))
}
