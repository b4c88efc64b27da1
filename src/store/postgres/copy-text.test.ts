import { describe, expect, it } from 'vitest'
import { copyTextRow } from './copy-text.js'

describe('copyTextRow', () => {
  it('separates by tabs, ends with a newline and writes NULL as \\N', () => {
    expect(copyTextRow(['a', null, 1.5, 0])).toBe('a\t\\N\t1.5\t0\n')
  })

  it('escapes backslash, newline, carriage return and tab inside values, and nothing else', () => {
    expect(copyTextRow(['C:\\x', 'one\ntwo', 'cr\rlf', 'tab\there', '{"q":"\\"é"}'])).toBe('C:\\\\x\tone\\ntwo\tcr\\rlf\ttab\\there\t{"q":"\\\\"é"}\n')
  })

  it('keeps an empty string apart from NULL', () => {
    expect(copyTextRow(['', null])).toBe('\t\\N\n')
  })

  it('refuses numbers PostgreSQL would not read back as the same value', () => {
    expect(() => copyTextRow([Number.NaN])).toThrow('COPY cannot carry the number NaN')
  })
})
