/** What makes an event unique: its message id within its source. */
export interface EventKey {
  source: string
  messageId: string
}

/**
 * One string per (source, messageId), for sets and maps, and the same text in SQL
 * ({@link EVENT_KEY_SQL}): source names cannot hold a `/` (collect/sources.ts), so it splits back
 * unambiguously.
 */
export function eventKey(k: EventKey): string {
  return `${k.source}/${k.messageId}`
}

/** {@link eventKey} of a row with `source` and `message_id` columns, in SQL both dialects read alike. */
export const EVENT_KEY_SQL = "(source || '/' || message_id)"
