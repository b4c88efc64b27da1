import type { Sender } from './outbox.js'
import { createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

/** An HTTP endpoint that receives outbound decisions (docs/decide.md, "Outbound"). */
export interface WebhookDestination {
  id: string
  url: string
  /** The outbound channels it delivers. */
  channels: readonly string[]
  /** Key of the HMAC-SHA256 signature; the receiver checks it. */
  secret: string
  timeoutMs: number
  /** Attempts in all, the first included, before a delivery becomes a dead letter. */
  maxAttempts: number
  /** Wait before the second attempt; doubled before each further one (at most {@link MAX_BACKOFF_MS}). */
  backoffMs: number
  /** Deliveries in flight at once. */
  concurrency: number
}

export const SIGNATURE_HEADER = 'x-salestwin-signature'
export const MAX_BACKOFF_MS = 60_000

/**
 * The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe
 * signs its webhooks. The time inside the signed text lets a receiver refuse replays.
 */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

/** One attempt's result: delivered, or why not and whether another attempt may succeed. */
export type Attempt = { ok: true; status: number } | { ok: false; retry: boolean; error: string; retryAfterMs?: number }

/**
 * Posts a body once, signed, with the idempotency key (the decision id) that lets the receiver take
 * a repeated delivery once. 2xx is delivered; timeouts, network errors, 408, 429 and 5xx may be
 * retried; any other answer (a 4xx, a redirect) is final. Redirects are not followed: the body
 * holds a person's contact data and goes only where it was configured to go.
 */
export async function postOnce(dest: WebhookDestination, body: string, idempotencyKey: string, attempt: number): Promise<Attempt> {
  let res: Response
  try {
    res = await fetch(dest.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        'x-salestwin-attempt': String(attempt),
        [SIGNATURE_HEADER]: signature(dest.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      signal: AbortSignal.timeout(dest.timeoutMs),
    })
    await res.arrayBuffer().catch(() => undefined)
  } catch (err) {
    const e = err as Error
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError'
    const cause = (e.cause as Error | undefined)?.message
    return { ok: false, retry: true, error: timedOut ? `no answer within ${dest.timeoutMs} ms` : `request failed: ${cause ?? e.message}` }
  }
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status }
  const retry = res.status === 408 || res.status === 429 || res.status >= 500
  const after = Number(res.headers.get('retry-after'))
  return { ok: false, retry, error: `HTTP ${res.status}${retry ? '' : ' (not retried)'}`, ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}) }
}

/** The result of delivering one body with retries. */
export interface DeliveryResult {
  delivered: boolean
  attempts: number
  /** The last attempt's error, or null when delivered. */
  error: string | null
}

/**
 * Delivers with retries: waits `backoffMs`, then twice as long before each further attempt (or what
 * the receiver's Retry-After asks, up to {@link MAX_BACKOFF_MS}), until `maxAttempts`. `onAttempt`
 * sees each failed attempt before the wait, to record it.
 */
export async function deliver(
  dest: WebhookDestination,
  body: string,
  idempotencyKey: string,
  opts: { firstAttempt?: number; onFailedAttempt?: (attempt: number, error: string) => Promise<void> } = {},
): Promise<DeliveryResult> {
  let attempt = opts.firstAttempt ?? 1
  for (;;) {
    const r = await postOnce(dest, body, idempotencyKey, attempt)
    if (r.ok) return { delivered: true, attempts: attempt, error: null }
    if (!r.retry || attempt >= dest.maxAttempts) return { delivered: false, attempts: attempt, error: r.error }
    await opts.onFailedAttempt?.(attempt, r.error)
    await sleep(Math.min(MAX_BACKOFF_MS, Math.max(r.retryAfterMs ?? 0, dest.backoffMs * 2 ** (attempt - 1))))
    attempt++
  }
}

/** The outbox's sender for a webhook (outbox.ts): resumes the attempt count a dead sender left. */
export function webhookSender(dest: WebhookDestination): Sender {
  return {
    id: dest.id,
    concurrency: dest.concurrency,
    send: (body, delivery, onFailedAttempt) => deliver(dest, body, delivery.decisionId, { firstAttempt: delivery.attempts + 1, onFailedAttempt }),
  }
}
