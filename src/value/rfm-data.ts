import { AppError } from '../core/errors.js'

/**
 * Recency-frequency data of customers in one time unit: x repeat purchases, the last at t_x,
 * observed for T since the first purchase. `weights` counts identical customers (BG/BB data).
 */
export interface RfmData {
  x: Float64Array
  tx: Float64Array
  T: Float64Array
  weights?: Float64Array
}

/** Checks the data a count model needs; says which row breaks which rule. */
export function checkRfm(data: RfmData, minRepeatBuyers = 10): void {
  const n = data.x.length
  if (data.tx.length !== n || data.T.length !== n) throw new AppError('VALUE_INPUT_INVALID', `x, t_x and T must have the same length, got ${n}, ${data.tx.length}, ${data.T.length}`)
  let repeat = 0
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!
    const tx = data.tx[i]!
    const T = data.T[i]!
    if (!(x >= 0) || !Number.isInteger(x)) throw new AppError('VALUE_INPUT_INVALID', `row ${i + 1}: frequency must be a whole number ≥ 0, got ${x}`)
    if (!(tx >= 0) || !(T >= tx)) throw new AppError('VALUE_INPUT_INVALID', `row ${i + 1}: recency must be within 0..T, got recency ${tx} and T ${T}`)
    if (x === 0 && tx !== 0) throw new AppError('VALUE_INPUT_INVALID', `row ${i + 1}: recency must be 0 without repeat purchases, got ${tx}`)
    if (x > 0) repeat += data.weights?.[i] ?? 1
  }
  if (repeat < minRepeatBuyers) {
    throw new AppError('VALUE_INPUT_INVALID', `fitting needs at least ${minRepeatBuyers} customers with repeat purchases, got ${repeat}`)
  }
}

/**
 * Merges the customers without repeat purchases that share T into one weighted row: the
 * likelihood is a sum over customers, so this changes nothing but the work. In cohort data they
 * are often most of the base and have few distinct T.
 */
export function compressRfm(data: RfmData): RfmData {
  if (!isWorthCompressing(data)) return data
  const zeroRow = new Map<number, number>() // T → row
  const x: number[] = []
  const tx: number[] = []
  const T: number[] = []
  const w: number[] = []
  for (let i = 0; i < data.x.length; i++) {
    const weight = data.weights?.[i] ?? 1
    const Ti = data.T[i]!
    if (data.x[i] === 0) {
      const at = zeroRow.get(Ti)
      if (at !== undefined) {
        w[at] = w[at]! + weight
        continue
      }
      zeroRow.set(Ti, x.length)
    }
    x.push(data.x[i]!)
    tx.push(data.tx[i]!)
    T.push(Ti)
    w.push(weight)
  }
  return { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T), weights: Float64Array.from(w) }
}

/** Looks at up to 1,000 customers without repeats: compressing pays only when their T values repeat a lot. */
function isWorthCompressing(data: RfmData): boolean {
  const seen = new Set<number>()
  let zeros = 0
  for (let i = 0; i < data.x.length && zeros < 1000; i++) {
    if (data.x[i] !== 0) continue
    zeros++
    seen.add(data.T[i]!)
  }
  return zeros > 0 && seen.size <= zeros / 2
}
