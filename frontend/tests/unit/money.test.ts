import { describe, expect, it } from 'vitest'
import { fenToYuanInput, formatFen, parseYuan, progressPercent } from '@/utils/money'

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

describe('parseYuan (yuan typed → integer fen)', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1', 100],
    ['16000', 1_600_000],
    ['0.5', 50],
    ['0.05', 5],
    ['1234.56', 123_456],
    ['1,234.5', 123_450],
    ['12,345,678', 1_234_567_800],
    ['  42 ', 4200],
    ['¥88', 8800],
    ['１２３．４', 12_340],
    ['1，000', 100_000],
    // 0.1 + 0.2 style float errors cannot happen: digits are read, not multiplied.
    ['0.29', 29],
    ['1.13', 113],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %i fen', (input, want) => {
    expect(parseYuan(input)).toBe(want)
  })

  it.each(['', ' ', '-5', '+5', '1.234', '1.', '.5', '1,23', '12,3456', 'abc', '1e3', '1 000', '90071992547409.92', 'NaN'])(
    'refuses %j',
    (input) => {
      expect(parseYuan(input)).toBeNull()
    },
  )
})

describe('fenToYuanInput', () => {
  it.each<[number, string]>([
    [0, '0'],
    [100, '1'],
    [1_600_000, '16000'],
    [150, '1.50'],
    [123_456, '1234.56'],
    [5, '0.05'],
  ])('renders %i fen as %j', (fen, want) => {
    expect(fenToYuanInput(fen)).toBe(want)
  })

  it('round-trips through parseYuan', () => {
    for (const fen of [0, 1, 99, 100, 101, 123_456, 987_654_321, 10_000_000_000]) {
      expect(parseYuan(fenToYuanInput(fen))).toBe(fen)
    }
  })

  it('refuses fractional and negative amounts', () => {
    expect(() => fenToYuanInput(1.5)).toThrow(RangeError)
    expect(() => fenToYuanInput(-1)).toThrow(RangeError)
  })
})
