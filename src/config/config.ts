import { readFileSync, existsSync } from 'node:fs'
import { z } from 'zod'
import { AppError } from '../core/errors.js'
import { CHANNEL_NAMES } from '../core/channels.js'
import { CONSENT_CHANNELS, DEFAULT_RULES, JURISDICTIONS, OUTBOUND_CHANNELS } from '../core/consent.js'

export type { StoreConfigLike as StoreConfig } from '../core/store-config.js'
import type { StoreConfigLike as StoreConfig } from '../core/store-config.js'

interface KeyDoc {
  env: string
  description: string
  isSecret: boolean
}

/** What each config key means; docs/config.md is written from this table (a test keeps them in step). */
export const CONFIG_KEYS: Record<string, KeyDoc> = {
  port: { env: 'SALESTWIN_PORT', description: 'HTTP port of the server.', isSecret: false },
  host: { env: 'SALESTWIN_HOST', description: 'Address the server binds to.', isSecret: false },
  db: {
    env: 'SALESTWIN_DB',
    description: 'Store: a SQLite file path, or a postgres:// URL.',
    isSecret: true,
  },
  demo: {
    env: 'SALESTWIN_DEMO',
    description: 'Load the demo company on start when the store is empty (true/false).',
    isSecret: false,
  },
  demoCustomers: {
    env: 'SALESTWIN_DEMO_CUSTOMERS',
    description: 'Number of demo customers generated on first start.',
    isSecret: false,
  },
  demoSeed: { env: 'SALESTWIN_DEMO_SEED', description: 'Seed of the demo generator.', isSecret: false },
  logLevel: {
    env: 'SALESTWIN_LOG_LEVEL',
    description: 'pino log level: fatal, error, warn, info, debug, trace, silent.',
    isSecret: false,
  },
  defaultCountry: {
    env: 'SALESTWIN_DEFAULT_COUNTRY',
    description: 'ISO country used to read phone numbers written without a +country prefix.',
    isSecret: false,
  },
  mergeUserIds: {
    env: 'SALESTWIN_MERGE_USER_IDS',
    description: 'Allow one profile to hold two different userIds (default false: such links are recorded as conflicts).',
    isSecret: false,
  },
  externalIdTraits: {
    env: 'SALESTWIN_EXTERNAL_ID_TRAITS',
    description: 'Traits that are external ids, as trait=type pairs separated by commas (e.g. crm_id=crm,loyalty_card=loyalty).',
    isSecret: false,
  },
  defaultCurrency: {
    env: 'SALESTWIN_DEFAULT_CURRENCY',
    description: 'Currency of orders that name none (ISO 4217).',
    isSecret: false,
  },
  maxQueuedEvents: {
    env: 'SALESTWIN_MAX_QUEUED_EVENTS',
    description: 'Events waiting for the store beyond which collection answers 429 with Retry-After.',
    isSecret: false,
  },
  log: {
    env: 'SALESTWIN_LOG',
    description: 'Acknowledge collection on an event log and apply it to the store behind (issue 13, preview): a file path for the embedded log, or nats://host:4222 for NATS JetStream; empty: collection writes the store before it acknowledges.',
    isSecret: true,
  },
  maxLogBacklog: {
    env: 'SALESTWIN_MAX_LOG_BACKLOG',
    description: 'Behind an event log: events the processor may be behind before collection answers 503 with Retry-After (and /health says degraded from half of it).',
    isSecret: false,
  },
  destinations: {
    env: 'SALESTWIN_DESTINATIONS',
    description:
      'Webhooks that outbound runs deliver decisions to, as JSON: { "id": { "url": "https://…", "channels": ["email"], "secret": "≥16 chars", "timeoutMs": 5000, "maxAttempts": 5, "backoffMs": 1000, "concurrency": 4 } } (docs/decide.md).',
    isSecret: true,
  },
  decideViewProfiles: {
    env: 'SALESTWIN_DECIDE_VIEW_PROFILES',
    description: "Profiles whose features the decision path keeps in memory (the feature view, least recently used dropped first); a few KB each.",
    isSecret: false,
  },
  decideViewSeconds: {
    env: 'SALESTWIN_DECIDE_VIEW_SECONDS',
    description: "How long the feature view uses a kept profile before reading it again: the bound on staleness for changes this server's write path does not see (other nodes' events, the value refresh). Consent and contact history are read at every decision.",
    isSecret: false,
  },
  learnSeconds: {
    env: 'SALESTWIN_LEARN_SECONDS',
    description: "How often the server folds finished showings (outcomes, expired response windows) into the learned propensities and reads other nodes' folds: the bound on how long an outcome takes to change the propensity every node uses (0: never).",
    isSecret: false,
  },
  outboundMinutes: {
    env: 'SALESTWIN_OUTBOUND_MINUTES',
    description: 'How often the server runs the outbound channels of the configured destinations (decide run; 0: never).',
    isSecret: false,
  },
  valueRefreshMinutes: {
    env: 'SALESTWIN_VALUE_REFRESH_MINUTES',
    description: 'How often the server refreshes what it precomputes: refits the value models and rescores every profile, recomputes attribution and the consent figures (0: never).',
    isSecret: false,
  },
  refreshInWorker: {
    env: 'SALESTWIN_REFRESH_IN_WORKER',
    description: "Run the periodic refresh on a worker thread with its own store connection, so that collection and reads keep their latency (false: on the server's own thread, for comparison).",
    isSecret: false,
  },
  discountRate: {
    env: 'SALESTWIN_DISCOUNT_RATE',
    description: 'Yearly discount rate of the customer lifetime value (0.1 = 10 %).',
    isSecret: false,
  },
  clvHorizonDays: {
    env: 'SALESTWIN_CLV_HORIZON_DAYS',
    description: 'Horizon of the customer lifetime value, in days.',
    isSecret: false,
  },
  jurisdiction: {
    env: 'SALESTWIN_JURISDICTION',
    description: `Consent defaults of a jurisdiction: ${JURISDICTIONS.join(' or ')} (docs/privacy.md).`,
    isSecret: false,
  },
  consentPurposes: {
    env: 'SALESTWIN_CONSENT_PURPOSES',
    description: 'Consent purposes beyond the built-in five, comma-separated (e.g. research,newsletter); they need an opt-in unless consentRules says otherwise.',
    isSecret: false,
  },
  consentRules: {
    env: 'SALESTWIN_CONSENT_RULES',
    description: 'Overrides of the consent defaults as JSON: { "purpose": { "channel|all": "opt_in_required|allowed_unless_objected" } } (docs/privacy.md).',
    isSecret: false,
  },
  corsOrigins: {
    env: 'SALESTWIN_CORS_ORIGINS',
    description: 'Browser origins (comma-separated, e.g. https://crm.example.com) that may call the management, profile and admin API; the collection API answers any origin, the dashboard is same-origin.',
    isSecret: false,
  },
  maxAckDelayMs: {
    env: 'SALESTWIN_MAX_ACK_DELAY_MS',
    description: 'Longest wait for a collection answer before new requests are refused with 429 and Retry-After (load shedding, docs/events.md); 0 turns shedding off (benchmarks of raw capacity).',
    isSecret: false,
  },
  channelRules: {
    env: 'SALESTWIN_CHANNEL_RULES',
    description: 'Attribution channel rules as JSON: { "mediums": { "utm_medium": "channel" }, "searchHosts": [...], "socialHosts": [...] }, merged over the defaults (docs/attribution.md).',
    isSecret: false,
  },
}

const boolish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1')

/** A JSON object, given as an object (config file) or as JSON text (environment, flags). */
const jsonObject = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((v, ctx) => {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v) as Record<string, unknown>
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' })
    return {}
  }
})

/** A list, given as an array (config file) or comma-separated (environment, flags); empty by default. */
const commaList = (item: z.ZodString | z.ZodURL) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (typeof v === 'string' ? v.split(',').map((p) => p.trim()).filter(Boolean) : v))
    .pipe(z.array(item))
    .default([])

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4000),
  host: z.string().min(1).default('127.0.0.1'),
  db: z.string().min(1).default('./salestwin.db'),
  demo: boolish.default(true),
  demoCustomers: z.coerce.number().int().min(1).default(20_000),
  demoSeed: z.coerce.number().int().default(42),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code').default('DE'),
  mergeUserIds: boolish.default(false),
  externalIdTraits: z
    .union([z.record(z.string(), z.string()), z.string()])
    .transform((v, ctx) => {
      if (typeof v !== 'string') return v
      const pairs = parsePairs(v)
      if (typeof pairs === 'string') ctx.addIssue({ code: 'custom', message: pairs })
      return typeof pairs === 'string' ? {} : pairs
    })
    .default({ crm_id: 'crm', loyalty_card: 'loyalty' }),
  defaultCurrency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code').default('EUR'),
  maxQueuedEvents: z.coerce.number().int().min(100).default(200_000),
  log: z.string().default(''),
  maxLogBacklog: z.coerce.number().int().min(1).default(1_000_000),
  destinations: jsonObject
    .pipe(
      z.record(
        z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/, 'must have ids of lower-case letters, digits, - and _'),
        z.strictObject({
          url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
          channels: z.array(z.enum(OUTBOUND_CHANNELS, { error: `must be outbound channels: ${OUTBOUND_CHANNELS.join(', ')}` })).min(1),
          secret: z.string().min(16, 'must have a secret of at least 16 characters'),
          timeoutMs: z.number().int().min(100).max(120_000).default(5000),
          maxAttempts: z.number().int().min(1).max(20).default(5),
          backoffMs: z.number().int().min(0).max(60_000).default(1000),
          concurrency: z.number().int().min(1).max(64).default(4),
        }),
      ),
    )
    .default({}),
  decideViewProfiles: z.coerce.number().int().min(0).default(50_000),
  decideViewSeconds: z.coerce.number().min(0).default(60),
  learnSeconds: z.coerce.number().min(0).default(5),
  outboundMinutes: z.coerce.number().min(0).default(15),
  valueRefreshMinutes: z.coerce.number().min(0).default(60),
  refreshInWorker: boolish.default(true),
  discountRate: z.coerce.number().min(0).max(1).default(0.1),
  clvHorizonDays: z.coerce.number().int().min(30).max(3650).default(365),
  jurisdiction: z.enum(JURISDICTIONS).default('DE'),
  consentPurposes: commaList(z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'must be snake_case purpose names')),
  consentRules: jsonObject
    .pipe(
      z.record(
        z.string(),
        z.partialRecord(z.enum([...CONSENT_CHANNELS, 'all']), z.enum(DEFAULT_RULES, { error: `must be ${DEFAULT_RULES.join(' or ')}` })),
      ),
    )
    .default({}),
  corsOrigins: commaList(z.url({ protocol: /^https?$/, error: 'must be an http(s) origin like https://crm.example.com' })),
  maxAckDelayMs: z.coerce.number().int().min(0).default(1000),
  channelRules: jsonObject
    .pipe(
      z.object({
        mediums: z.record(z.string(), z.enum(CHANNEL_NAMES, { error: `must map to one of ${CHANNEL_NAMES.join(', ')}` })).optional(),
        searchHosts: z.array(z.string()).optional(),
        socialHosts: z.array(z.string()).optional(),
      }),
    )
    .default({}),
})

type ParsedConfig = z.infer<typeof ConfigSchema>
export type Config = Readonly<Omit<ParsedConfig, 'db'> & { db: string; store: StoreConfig }>

/** Where config values come from; higher wins: flags > env > file > defaults. */
export interface ConfigSources {
  flags?: Record<string, unknown>
  env?: Record<string, string | undefined>
  /** Path of a JSON config file; `salestwin.config.json` in the working directory is read when present. */
  file?: string
}

/**
 * Loads, validates and freezes the configuration once.
 *
 * @example
 * const config = loadConfig({ env: { SALESTWIN_PORT: '4100' } })
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const raw: Record<string, unknown> = { ...readConfigFile(sources.file) }
  for (const [key, doc] of Object.entries(CONFIG_KEYS)) {
    const fromEnv = sources.env?.[doc.env]
    if (fromEnv !== undefined && fromEnv !== '') raw[key] = fromEnv
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) raw[key] = value
  }
  const parsed = ConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '')
      const doc = CONFIG_KEYS[key]
      const value = CONFIG_KEYS[key]?.isSecret ? '(secret)' : JSON.stringify(raw[key])
      return `${key}${doc ? ` (${doc.env})` : ''} ${issue.message}, got ${value}`
    })
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`)
  }
  return Object.freeze({ ...parsed.data, store: toStoreConfig(parsed.data.db) })
}

/** A store URL or path turned into the tagged store config: `postgres://…` selects PostgreSQL. */
export function toStoreConfig(db: string): StoreConfig {
  return /^postgres(ql)?:\/\//.test(db) ? { kind: 'postgres', url: db } : { kind: 'sqlite', path: db }
}

/** The db setting with its password masked, for logs. */
export function describeStore(store: StoreConfig): string {
  if (store.kind === 'sqlite') return `sqlite:${store.path}`
  return store.url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@')
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  const file = path ?? 'salestwin.config.json'
  if (!existsSync(file)) {
    if (path) throw new AppError('CONFIG_INVALID', `config file ${path} does not exist`)
    return {}
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('the file must hold one JSON object')
    }
    return parsed as Record<string, unknown>
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `config file ${file}: ${(err as Error).message}`, { cause: err })
  }
}

/** Parses `a=b,c=d`; returns the problem as a string when a part is not a pair. */
function parsePairs(text: string): Record<string, string> | string {
  const pairs: Record<string, string> = {}
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value] = part.split('=')
    if (!key || !value) return `must be trait=type pairs, "${part}" is not`
    pairs[key.trim()] = value.trim()
  }
  return pairs
}
