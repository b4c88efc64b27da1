import { AppError } from '../core/errors.js'
import type { SpendData } from './gamma-gamma.js'
import { repeatBuyers } from './summary.js'
import type { RfmData } from './rfm-data.js'

export interface SummaryTable {
  ids: string[]
  rfm: RfmData
  /** Mean repeat value, when the table has one (monetary_value or zbar). */
  monetary: Float64Array | null
}

const COLUMN_SETS = [
  { x: 'frequency', tx: 'recency', T: 'T', m: 'monetary_value' },
  { x: 'x', tx: 't_x', T: 'T', m: 'zbar' },
  { x: 'frequency', tx: 'recency', T: 'periods', m: null },
] as const

/**
 * Reads a summary table (already split into rows of named cells): `ID,frequency,recency,T[,monetary_value]`,
 * `ID,x,t_x,T,zbar` (the CDNOW files), or BG/BB's `frequency,recency,periods,weights`.
 */
export function readSummaryTable(rows: Record<string, string>[], lines?: number[]): SummaryTable {
  if (rows.length === 0) throw new AppError('VALUE_INPUT_INVALID', 'summary has no rows')
  const header = Object.keys(rows[0]!)
  const set = COLUMN_SETS.find((c) => header.includes(c.x) && header.includes(c.tx) && header.includes(c.T))
  if (!set) {
    throw new AppError('VALUE_INPUT_INVALID', `summary columns must be ID,frequency,recency,T[,monetary_value] or ID,x,t_x,T,zbar or frequency,recency,periods,weights, got ${header.join(',')}`)
  }
  const num = (row: Record<string, string>, column: string, line: number) => {
    const v = Number(row[column])
    if (row[column] === undefined || row[column] === '' || !Number.isFinite(v)) {
      throw new AppError('VALUE_INPUT_INVALID', `line ${line}: ${column} must be a number, got "${row[column] ?? ''}"`)
    }
    return v
  }
  const hasMonetary = set.m !== null && header.includes(set.m)
  const hasWeights = header.includes('weights')
  const n = rows.length
  const table: SummaryTable = {
    ids: rows.map((r, i) => r.ID ?? r.id ?? String(i + 1)),
    rfm: { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), ...(hasWeights ? { weights: new Float64Array(n) } : {}) },
    monetary: hasMonetary ? new Float64Array(n) : null,
  }
  rows.forEach((row, i) => {
    const line = lines?.[i] ?? i + 2
    table.rfm.x[i] = num(row, set.x, line)
    table.rfm.tx[i] = num(row, set.tx, line)
    table.rfm.T[i] = num(row, set.T, line)
    if (table.rfm.weights) table.rfm.weights[i] = num(row, 'weights', line)
    if (table.monetary && set.m) table.monetary[i] = num(row, set.m, line)
  })
  return table
}

/** The repeat buyers of a summary with their mean repeat value, for Gamma-Gamma. */
export function spendOf(table: SummaryTable): SpendData {
  if (!table.monetary) throw new AppError('VALUE_INPUT_INVALID', 'Gamma-Gamma needs a monetary_value (or zbar) column')
  const { keep } = repeatBuyers(table.rfm.x, table.monetary)
  return { x: Float64Array.from(keep, (i) => table.rfm.x[i]!), zbar: Float64Array.from(keep, (i) => table.monetary![i]!) }
}
