import { AppError } from '../core/errors.js'
import { runOutbound, type OutboundReport } from '../decide/outbound.js'
import { CSV_COLUMNS, csvRowsOf, type DeliveryPayload } from '../decide/outbound-payload.js'
import { fileSender, type ExportFormat } from '../destinations/export-file.js'
import { webhookSender } from '../destinations/webhook.js'
import type { Runtime } from './runtime.js'

export interface OutboundFlags {
  channel: string
  destination?: string
  export?: string
  format?: string
  limit?: number
  decideOnly?: boolean
  onProgress?: (phase: 'decide' | 'deliver', done: number) => void
}

/**
 * One outbound run (`salestwin decide run`, and the server's schedule): to the named destination,
 * to the one configured for the channel, or to an export file (CSV or JSON Lines, by its extension
 * unless --format says).
 */
export async function outboundRun(runtime: Runtime, flags: OutboundFlags): Promise<OutboundReport & { export?: string }> {
  const deps = { store: runtime.store, decide: runtime.decide, consent: runtime.consent, policy: runtime.consent.policy }
  const run = { channel: flags.channel, ...(flags.limit !== undefined ? { limit: flags.limit } : {}), ...(flags.decideOnly ? { decideOnly: true } : {}), ...(flags.onProgress ? { onProgress: flags.onProgress } : {}) }
  if (flags.export !== undefined) {
    const format = (flags.format ?? (flags.export.endsWith('.csv') ? 'csv' : 'jsonl')) as ExportFormat
    if (format !== 'csv' && format !== 'jsonl') throw new AppError('REQUEST_INVALID', `format must be csv or jsonl, got "${String(flags.format)}"`)
    const sender = fileSender(flags.export, format, { columns: CSV_COLUMNS, toRows: (body) => csvRowsOf(JSON.parse(body) as DeliveryPayload) })
    try {
      return { ...(await runOutbound(deps, { ...run, sender })), export: flags.export }
    } finally {
      await sender.close()
    }
  }
  const forChannel = runtime.destinations.filter((d) => d.channels.includes(flags.channel))
  const dest = flags.destination !== undefined ? runtime.destinations.find((d) => d.id === flags.destination) : forChannel.length === 1 ? forChannel[0] : undefined
  if (!dest) {
    const known = runtime.destinations.map((d) => `${d.id} (${d.channels.join(', ')})`).join(', ') || 'none is configured (config destinations, docs/decide.md)'
    throw new AppError('REQUEST_INVALID', flags.destination !== undefined ? `destination must be one of: ${known}; got "${flags.destination}"` : `name a destination for ${flags.channel} with --destination, or --export FILE; destinations: ${known}`)
  }
  if (!dest.channels.includes(flags.channel)) throw new AppError('REQUEST_INVALID', `destination ${dest.id} delivers ${dest.channels.join(', ')}, not ${flags.channel}`)
  return runOutbound(deps, { ...run, sender: webhookSender(dest) })
}

export function formatOutbound(r: OutboundReport & { export?: string }): string {
  return [
    `decide run ${r.channel} → ${r.export ?? r.destination}: ${r.profiles} profiles looked at, ${r.due} decisions due, ${r.unreachable} without an address on ${r.channel}`,
    `  delivered ${r.delivered}, failed ${r.failed} (dead letters: salestwin destinations failures), suppressed ${r.suppressed} (consent withdrawn or profile gone)${r.busy ? `, ${r.busy} taken by another run` : ''} — ${r.seconds} s`,
  ].join('\n')
}
