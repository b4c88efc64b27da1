import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { AppError } from '../../core/errors.js'
import { readRows } from '../../importers/read-rows.js'
import type { LoggedRound } from './estimators.js'

/** A round of the Open Bandit Dataset: a (user, position) slot, the item shown, whether it was clicked. */
export interface ObdRound extends LoggedRound {
  at: number
  /** 1, 2 or 3: where on the page. */
  position: number
  /** The four hashed user features. */
  user: [string, string, string, string]
}

export interface ObdLog {
  file: string
  campaign: string
  items: number
  /** Ordered by time. */
  rounds: ObdRound[]
}

const COLUMNS = ['timestamp', 'item_id', 'position', 'click', 'propensity_score', 'user_feature_0', 'user_feature_1', 'user_feature_2', 'user_feature_3'] as const

/**
 * Reads one campaign's log of the Open Bandit Dataset (data/obd/SOURCE.md): `<dir>/<campaign>.csv`
 * (or `.csv.gz`) and `<dir>/item_context.csv`. A missing column, or a value that breaks its rule (a
 * propensity of 0, a click other than 0 or 1, an item outside the item context) is an error naming
 * the file, the line and the column.
 */
export async function readObd(dir: string): Promise<ObdLog> {
  const campaign = basename(dir.replace(/\/+$/, ''))
  const file = [join(dir, `${campaign}.csv`), join(dir, `${campaign}.csv.gz`)].find((f) => existsSync(f))
  if (!file) throw new AppError('IMPORT_INVALID', `${dir}: no ${campaign}.csv or ${campaign}.csv.gz (an Open Bandit Dataset campaign directory, e.g. data/obd/random/men)`)
  const itemsFile = join(dir, 'item_context.csv')
  if (!existsSync(itemsFile)) throw new AppError('IMPORT_INVALID', `${dir}: no item_context.csv`)
  let items = 0
  for await (const _ of readRows(itemsFile)) items++
  const rounds: ObdRound[] = []
  let checked = false
  for await (const { line, values } of readRows(file)) {
    if (!checked) {
      const missing = COLUMNS.filter((c) => !(c in values))
      if (missing.length > 0) throw new AppError('IMPORT_INVALID', `${file}, line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`)
      checked = true
    }
    const bad = (column: string, rule: string) => new AppError('IMPORT_INVALID', `${file}, line ${line}, column ${column}: ${rule}, got ${JSON.stringify(values[column])}`)
    const num = (column: string) => Number(values[column])
    const at = Date.parse(String(values.timestamp).replace(' ', 'T'))
    if (!Number.isFinite(at)) throw bad('timestamp', 'must be a time')
    const item = num('item_id')
    if (!Number.isInteger(item) || item < 0 || item >= items) throw bad('item_id', `must be an item of item_context.csv (0 to ${items - 1})`)
    const position = num('position')
    if (!Number.isInteger(position) || position < 1) throw bad('position', 'must be a position from 1')
    const click = num('click')
    if (click !== 0 && click !== 1) throw bad('click', 'must be 0 or 1')
    const propensity = num('propensity_score')
    if (!(propensity > 0 && propensity <= 1)) throw bad('propensity_score', 'must be a probability above 0 (inverse-propensity weights divide by it)')
    const user = [0, 1, 2, 3].map((k) => String(values[`user_feature_${k}`])) as ObdRound['user']
    rounds.push({ at, action: item, propensity, reward: click, position, user })
  }
  rounds.sort((a, b) => a.at - b.at)
  return { file, campaign, items, rounds }
}
