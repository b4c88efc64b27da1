/** One offer's learned state: its counts and the diagonal Gaussian posterior of its weights, one slot per vocabulary name. */
export interface OfferModelState {
  n: number
  positives: number
  /** The intercept's prior mean, logit of the offer's Beta prior mean. */
  priorMean: number
  /** Float64 means and precisions, base64. */
  m: string
  q: string
}

export class OfferModel {
  n = 0
  positives = 0
  m: Float64Array
  q: Float64Array
  /** 1 / q, kept for reading (a decision sums the variances of a dozen weights for each of its offers). */
  v: Float64Array

  constructor(
    readonly id: string,
    readonly priorMean: number,
    slots: number,
    priorPrecision: number,
  ) {
    this.m = new Float64Array(0)
    this.q = new Float64Array(0)
    this.v = new Float64Array(0)
    this.fit(Math.max(slots, 1), priorPrecision)
    this.m[0] = priorMean
  }

  /** Grows the arrays to the vocabulary: new names start at the prior (mean 0, the prior's precision). */
  fit(slots: number, priorPrecision: number): void {
    if (this.m.length >= slots) return
    const size = Math.max(slots, this.m.length * 2, 64)
    const m = new Float64Array(size)
    const q = new Float64Array(size).fill(priorPrecision)
    m.set(this.m)
    q.set(this.q)
    this.m = m
    this.q = q
    this.refresh()
  }

  /** Recomputes the variances after the precisions changed. */
  refresh(): void {
    if (this.v.length !== this.q.length) this.v = new Float64Array(this.q.length)
    for (let i = 0; i < this.q.length; i++) this.v[i] = 1 / this.q[i]!
  }

  /** Why the posterior cannot be used (a weight not finite, a precision collapsed), or null. */
  degenerate(maxPrecision: number): string | null {
    for (let i = 0; i < this.m.length; i++) {
      if (!Number.isFinite(this.m[i]!) || !Number.isFinite(this.q[i]!)) return 'not finite'
      if (this.q[i]! <= 0 || this.q[i]! > maxPrecision) return `variance collapsed (precision ${this.q[i]})`
    }
    return null
  }

  state(): OfferModelState {
    return { n: this.n, positives: this.positives, priorMean: this.priorMean, m: base64(this.m), q: base64(this.q) }
  }

  static restore(id: string, s: OfferModelState): OfferModel {
    const model = new OfferModel(id, s.priorMean, 1, 1)
    Object.assign(model, { n: s.n, positives: s.positives, m: floats(s.m), q: floats(s.q) })
    model.refresh()
    return model
  }
}

const base64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
const floats = (s: string) => {
  const b = Buffer.from(s, 'base64')
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}
