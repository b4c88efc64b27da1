import { readFile } from 'node:fs/promises'
import type { DecideService } from '../decide/decide-service.js'
import { parseCatalogText } from '../decide/catalog.js'

/** data/catalog/demo.yaml: the demo company's 53 campaigns (from src/ and from dist/ alike). */
export const DEMO_CATALOG_FILE = new URL('../../data/catalog/demo.yaml', import.meta.url)

/** Applies the demo catalog unless the store has a catalog already; says whether it did. */
export async function ensureDemoCatalog(decide: DecideService): Promise<{ version: number } | null> {
  if (decide.catalog) return null
  const spec = parseCatalogText(await readFile(DEMO_CATALOG_FILE, 'utf8'), 'data/catalog/demo.yaml')
  const applied = await decide.apply(spec, 'demo')
  return { version: applied.version! }
}
