import { parse as parseYaml } from 'yaml'
import { AppError } from '../core/errors.js'
import { CatalogFile, DECISION_CHANNELS, type CampaignSpec, type CatalogSpec, type DecisionChannel, type OfferSpec, type PlacementSpec } from './catalog-schema.js'
import { compileRule, isProblem, type CompiledRule, type RuleProblem, type RuleResultType } from './rules.js'

/** An offer ready to decide with: its rules compiled, its value a number or a compiled rule. */
export interface Offer extends Omit<OfferSpec, 'eligibility' | 'value'> {
  campaignId: string
  eligibility: CompiledRule | null
  value: number | CompiledRule
}

export interface Campaign extends Omit<CampaignSpec, 'audience' | 'offers'> {
  audience: CompiledRule | null
  offers: Offer[]
}

/** A catalog as the engine uses it: validated, rules compiled, placements complete. */
export interface Catalog {
  version: number
  spec: CatalogSpec
  campaigns: Campaign[]
  offers: Map<string, Offer>
  placements: Map<string, PlacementSpec>
  contactPolicy: CatalogSpec['contactPolicy']
  /** How many rules the catalog has: each compiled rule's `index` is below it (the feature view's rule memo is sized by it). */
  rules: number
}

/** Every channel has a placement named after it: a request without one gets that. */
function defaultPlacements(): PlacementSpec[] {
  return DECISION_CHANNELS.map((channel) => ({ id: channel, channel, maxOffers: 1, manyPerCampaign: false }))
}

/** Reads a catalog file's text: YAML (which also reads JSON). */
export function parseCatalogText(text: string, name = 'catalog'): unknown {
  try {
    return parseYaml(text)
  } catch (err) {
    throw new AppError('CATALOG_INVALID', `${name} is neither YAML nor JSON: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
}

/**
 * Validates a catalog and compiles its rules. Refuses it as a whole with every problem listed —
 * each with the campaign, the offer, the field and, for a rule, the position of the error.
 *
 * @example
 * compileCatalog({ campaigns: [...] }, { version: 3, purposes: ['marketing', 'personalization'] })
 */
export function compileCatalog(input: unknown, opts: { version: number; purposes: readonly string[] }): Catalog {
  const parsed = CatalogFile.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${pathOf(input, issue.path)}: ${issue.message}, got ${got(input, issue.path)}`)
    throw catalogInvalid(problems)
  }
  const spec = parsed.data
  const problems: string[] = []
  let rules = 0
  const rule = (where: string, source: string | undefined, type: RuleResultType): CompiledRule | null => {
    if (source === undefined) return null
    const compiled = compileRule(source, type, rules)
    if (!isProblem(compiled)) {
      rules++
      return compiled
    }
    problems.push(`${where}: ${describeProblem(compiled)}, in ${JSON.stringify(source)}`)
    return null
  }
  const offers = new Map<string, Offer>()
  const campaignIds = new Set<string>()
  const campaigns = spec.campaigns.map((c): Campaign => {
    const at = `campaign "${c.id}"`
    if (campaignIds.has(c.id)) problems.push(`${at}: id is used by another campaign`)
    campaignIds.add(c.id)
    if (!opts.purposes.includes(c.purpose)) problems.push(`${at}.purpose: must be one of ${opts.purposes.join(', ')}, got "${c.purpose}"`)
    if (c.window?.from && c.window.to && c.window.from > c.window.to) problems.push(`${at}.window: from ${c.window.from} is after to ${c.window.to}`)
    const campaign: Campaign = { ...c, audience: rule(`${at}.audience`, c.audience, 'bool'), offers: [] }
    for (const o of c.offers) {
      const where = `${at}, offer "${o.id}"`
      if (offers.has(o.id)) problems.push(`${where}: id is used by another offer (offer ids are unique across campaigns)`)
      const value = typeof o.value === 'number' ? o.value : rule(`${where}.value`, o.value, 'double')
      const offer: Offer = { ...o, campaignId: c.id, eligibility: rule(`${where}.eligibility`, o.eligibility, 'bool'), value: value ?? 0 }
      offers.set(o.id, offer)
      campaign.offers.push(offer)
    }
    return campaign
  })
  const placements = new Map(defaultPlacements().map((p) => [p.id, p]))
  const own = new Set<string>()
  for (const p of spec.placements ?? []) {
    if (own.has(p.id)) problems.push(`placement "${p.id}": id is used by another placement`)
    own.add(p.id)
    placements.set(p.id, p)
  }
  if (problems.length > 0) throw catalogInvalid(problems)
  return { version: opts.version, spec, campaigns, offers, placements, contactPolicy: spec.contactPolicy, rules }
}

/** The placements a channel offers, for the error that names the allowed ones. */
export function placementsOf(catalog: Catalog, channel: DecisionChannel): string[] {
  return [...catalog.placements.values()].filter((p) => p.channel === channel).map((p) => p.id)
}

function catalogInvalid(problems: string[]): AppError {
  return new AppError('CATALOG_INVALID', `the catalog was refused (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`)
}

function describeProblem(p: RuleProblem): string {
  return p.line === undefined ? p.message : `${p.message} at line ${p.line}, column ${p.column}`
}

/** A zod path as people read it: campaign "winback", offer "ten-off" .value, using the ids where the input has them. */
function pathOf(input: unknown, path: readonly PropertyKey[]): string {
  let node = input as Record<PropertyKey, unknown> | undefined
  const out: string[] = []
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!
    const next = node?.[key] as Record<string, unknown> | undefined
    const parent = path[i - 1]
    if (typeof key === 'number' && (parent === 'campaigns' || parent === 'offers' || parent === 'placements')) {
      out.pop()
      const name = parent === 'campaigns' ? 'campaign' : parent === 'offers' ? 'offer' : 'placement'
      out.push(typeof next?.id === 'string' ? `${name} "${next.id}"` : `${name} #${key + 1}`)
    } else out.push(String(key))
    node = next
  }
  return out.join('.').replace(/\.(offer|placement) /g, ', $1 ') || 'catalog'
}

function got(input: unknown, path: readonly PropertyKey[]): string {
  let node: unknown = input
  for (const key of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[key]
  return node === undefined ? 'nothing' : JSON.stringify(node)?.slice(0, 80) ?? String(node)
}
