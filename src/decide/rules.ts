import { Environment, type ParseResult } from '@marcbachmann/cel-js'
import { RULE_MAX_BYTES, RULE_MAX_DEPTH } from './catalog-schema.js'

/**
 * What a rule sees (docs/decide.md): the profile's traits, its computed values, behaviour
 * aggregates, and the request's context. Consent is not among them: it has its own gate.
 * Numbers are doubles, counts are ints (CEL keeps them apart: `value.clv > 100.0`, `behaviour.orders >= 2`).
 */
export const RULE_INPUTS = {
  value: {
    scored: 'bool',
    clv: 'double',
    pAlive: 'double',
    expectedPurchases30d: 'double',
    expectedPurchases90d: 'double',
    cluster: 'string',
    rfm: 'string',
    recencyScore: 'int',
    frequencyScore: 'int',
    monetaryScore: 'int',
  },
  behaviour: {
    orders: 'int',
    revenue: 'double',
    daysSinceLastOrder: 'double',
    daysSinceLastVisit: 'double',
    lastCategoryViewed: 'string',
    last7d: 'map<string, int>',
    last30d: 'map<string, int>',
    last90d: 'map<string, int>',
  },
  context: { channel: 'string', placement: 'string', hour: 'int', weekday: 'int', device: 'string', page: 'string', known: 'bool' },
} as const

/** A rule's inputs as plain values (ints as bigint, as CEL wants them); made by {@link ruleInput}. */
export interface RuleInput {
  traits: Record<string, unknown>
  value: Record<keyof (typeof RULE_INPUTS)['value'], unknown>
  behaviour: Record<keyof (typeof RULE_INPUTS)['behaviour'], unknown>
  context: Record<keyof (typeof RULE_INPUTS)['context'], unknown>
}

export type RuleResultType = 'bool' | 'double'

export interface CompiledRule {
  source: string
  type: RuleResultType
  /** Its place among the catalog's rules (catalog.ts numbers them). */
  index: number
  /** Whether it reads `context.*`; one that does not depends on the profile only, and its result can be kept with the profile's features (feature-view.ts). */
  readsContext: boolean
  evaluate(input: RuleInput): unknown
}

/** Why a rule was refused at apply time: the message, and where (1-based line and column) when CEL said. */
export interface RuleProblem {
  message: string
  line?: number
  column?: number
}

const environment = new Environment({ limits: { maxDepth: RULE_MAX_DEPTH } })
  .registerVariable('traits', 'map<string, dyn>')
  .registerVariable({ name: 'value', schema: { ...RULE_INPUTS.value } })
  .registerVariable({ name: 'behaviour', schema: { ...RULE_INPUTS.behaviour } })
  .registerVariable({ name: 'context', schema: { ...RULE_INPUTS.context } })
  // count(behaviour.last30d, "Product Viewed"): 0 for an event the customer never had.
  .registerFunction('count(map<string, int>, string): int', (counts: Map<string, bigint> | Record<string, bigint>, name: string) =>
    (counts instanceof Map ? counts.get(name) : counts[name]) ?? 0n,
  )
  // A trait or 0/"" when the profile lacks it: traitOr("plan", "none") == "gold".
  .registerFunction('traitOr(map<string, dyn>, string, dyn): dyn', (traits: Map<string, unknown> | Record<string, unknown>, name: string, fallback: unknown) =>
    (traits instanceof Map ? traits.get(name) : traits[name]) ?? fallback,
  )

/**
 * Compiles a rule once, when the catalog is applied: too long, too deep, unparsable, an unknown
 * attribute or the wrong result type is a problem then, never a silent false at decision time.
 */
export function compileRule(source: string, type: RuleResultType, index = 0): CompiledRule | RuleProblem {
  const bytes = Buffer.byteLength(source)
  if (bytes > RULE_MAX_BYTES) return { message: `must be at most ${RULE_MAX_BYTES} bytes, got ${bytes}` }
  let parsed: ParseResult
  try {
    parsed = environment.parse(source)
  } catch (err) {
    return problemOf(err, source)
  }
  const checked = parsed.check()
  if (!checked.valid) return problemOf(checked.error, source)
  const numeric = checked.type === 'double' || checked.type === 'int'
  if (type === 'bool' ? checked.type !== 'bool' && checked.type !== 'dyn' : !numeric && checked.type !== 'dyn') {
    return { message: `must give ${type === 'bool' ? 'true or false' : 'a number'}, gives ${checked.type}` }
  }
  // A textual check is enough and errs on the safe side: a string that merely says "context" only costs the reuse.
  return { source, type, index, readsContext: /\bcontext\b/.test(source), evaluate: (input) => parsed(input as unknown as Record<string, unknown>) }
}

export function isProblem(x: CompiledRule | RuleProblem): x is RuleProblem {
  return !('evaluate' in x)
}

function problemOf(err: unknown, source: string): RuleProblem {
  const e = err as { summary?: string; message?: string; range?: { start?: number } }
  const summary = e.summary ?? e.message?.split('\n')[0] ?? String(err)
  const start = e.range?.start
  if (typeof start !== 'number') return { message: summary }
  const before = source.slice(0, start).split('\n')
  return { message: summary, line: before.length, column: before.at(-1)!.length + 1 }
}

/** The result of a rule as JavaScript: bigint ints become numbers. */
export function fromCel(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value
}
