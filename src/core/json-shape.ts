/** How deep an event may nest objects and arrays, itself counted as the first level (docs/events.md). */
export const MAX_EVENT_DEPTH = 64

/** What is wrong with a message's shape, and where: the path of keys from the message down. */
export type ShapeProblem = { rule: 'depth' | 'nul'; path: string[] }

/**
 * Walks a parsed JSON message without recursion (a hostile message may nest 10,000 levels, which
 * would overflow the stack of JSON.stringify and of any recursive walk) and finds the first
 * container nested deeper than `maxDepth`, or a string or key holding U+0000 (PostgreSQL's text
 * cannot store it).
 *
 * @example
 * findShapeProblem({ properties: { a: 'x\u0000' } }) // { rule: 'nul', path: ['properties', 'a'] }
 */
export function findShapeProblem(message: object, maxDepth = MAX_EVENT_DEPTH, opts: { nul?: boolean } = {}): ShapeProblem | null {
  const checksNul = opts.nul ?? true
  // Each node links to its parent: the path is spelled out only for the node that is wrong, not
  // copied for every node of every event (this runs on the ingest path).
  type Node = { value: unknown; depth: number; key: string; parent: Node | null }
  const pathOf = (node: Node | null, key?: string): string[] => {
    const path = key === undefined ? [] : [key]
    for (let n = node; n && n.parent; n = n.parent) path.push(n.key)
    return path.reverse()
  }
  const stack: Node[] = [{ value: message, depth: 1, key: '', parent: null }]
  while (stack.length > 0) {
    const node = stack.pop()!
    const value = node.value
    if (typeof value === 'string') {
      if (checksNul && value.includes('\u0000')) return { rule: 'nul', path: pathOf(node) }
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    if (node.depth > maxDepth) return { rule: 'depth', path: pathOf(node) }
    const keys = Object.keys(value)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      if (checksNul && key.includes('\u0000')) return { rule: 'nul', path: pathOf(node, key) }
      stack.push({ value: (value as Record<string, unknown>)[key], depth: node.depth + 1, key, parent: node })
    }
  }
  return null
}

/** A path for a message: its first segments, then `…` when it goes on. */
export function describePath(path: string[], shown = 10): string {
  return path.length > shown ? `${path.slice(0, shown).join('.')}…` : path.join('.')
}

/**
 * JSON text of a parsed JSON value of any depth: JSON.stringify, and where that overflows the
 * stack (a message nested thousands of levels), the same text built without recursion. Keeps a
 * rejected message whole for the quarantine.
 *
 * @example
 * toJsonText({ a: [1, 'x'] }) // '{"a":[1,"x"]}'
 */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value ?? null)
  } catch (err) {
    if (!(err instanceof RangeError)) throw err
    return stringifyIteratively(value)
  }
}

function stringifyIteratively(root: unknown): string {
  const out: string[] = []
  // Work items: a value to write, or a literal piece of text (commas, closing brackets).
  const work: ({ text: string } | { value: unknown })[] = [{ value: root }]
  while (work.length > 0) {
    const item = work.pop()!
    if ('text' in item) {
      out.push(item.text)
      continue
    }
    const value = item.value
    if (typeof value !== 'object' || value === null) {
      out.push(JSON.stringify(value) ?? 'null')
      continue
    }
    const isArray = Array.isArray(value)
    const entries = isArray ? (value as unknown[]).map((v) => [null, v] as const) : Object.entries(value).filter(([, v]) => v !== undefined)
    out.push(isArray ? '[' : '{')
    work.push({ text: isArray ? ']' : '}' })
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!
      work.push({ value: child })
      const prefix = (i > 0 ? ',' : '') + (key === null ? '' : `${JSON.stringify(key)}:`)
      if (prefix) work.push({ text: prefix })
    }
  }
  return out.join('')
}

/** Nesting beyond which a payload is not handed to a JSON encoder that recurses (the API's replies). */
const MAX_SENDABLE_DEPTH = 1000

/** A quarantined payload as stored text, parsed back, or left as text when it is too deep to send as JSON. */
export function fromJsonText(text: string): unknown {
  const value = JSON.parse(text) as unknown
  return typeof value === 'object' && value !== null && findShapeProblem(value, MAX_SENDABLE_DEPTH, { nul: false }) !== null ? text : value
}
