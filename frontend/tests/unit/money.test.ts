import { describe, expect, it } from 'vitest'
import { formatFen, progressPercent } from '@/utils/money'

describe('formatFen', () => {
  it.each([
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [99, '¥0.99'],
    [100, '¥1.00'],
    [123456, '¥1,234.56'],
    [100000000, '¥1,000,000.00'],
    [-5, '-¥0.05'],
    [-123456, '-¥1,234.56'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('formats %i fen as %s', (fen, want) => {
    expect(formatFen(fen)).toBe(want)
  })

  it.each([0.5, 1.1, Number.NaN, Infinity, 2 ** 53])('rejects %s, which is not a safe integer', (bad) => {
    expect(() => formatFen(bad)).toThrow(RangeError)
  })
})

describe('progressPercent', () => {
  it.each([
    [0, 1000, 0],
    [1, 1000, 0],
    [10, 1000, 1],
    [999, 1000, 99],
    [1000, 1000, 100],
    [5000, 1000, 100],
    [500, 0, 0],
    [-10, 1000, 0],
    [1, 3, 33],
    [2, 3, 66],
    [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, 99],
  ])('raised %i of %i is %i%%', (raised, target, want) => {
    expect(progressPercent(raised, target)).toBe(want)
  })

  it('rejects fractional amounts', () => {
    expect(() => progressPercent(1.5, 100)).toThrow(RangeError)
    expect(() => progressPercent(1, 100.5)).toThrow(RangeError)
  })
})
