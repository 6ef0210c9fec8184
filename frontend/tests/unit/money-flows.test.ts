import { describe, expect, it } from 'vitest'
import { accountLabel, entryAmount, giveLedger, sankeyData, shortId } from '@/utils/flows'
import { parseYuan, progressPercent } from '@/utils/money'

describe('give amount (yuan → fen)', () => {
  it.each([
    ['50', 5000],
    ['50.5', 5050],
    ['0.01', 1],
    ['¥1,000', 100000],
    ['５０', 5000],
  ])('reads %s as %i fen', (input, fen) => {
    expect(parseYuan(input)).toBe(fen)
  })

  it.each(['', '-5', '1.234', 'abc', '1e3'])('refuses %s', (input) => {
    expect(parseYuan(input)).toBeNull()
  })
})

describe('campaign progress', () => {
  it('is the whole percentage of raised over target', () => {
    expect(progressPercent(5000, 1000000)).toBe(0)
    expect(progressPercent(333333, 1000000)).toBe(33)
    expect(progressPercent(2000000, 1000000)).toBe(100)
    expect(progressPercent(5000, 0)).toBe(0)
  })
})

describe('accountLabel', () => {
  it.each([
    ['donors', 'donors', ''],
    ['donations:anonymous', 'anonymous', ''],
    ['donations:u1', 'donor', 'u1'],
    ['refund', 'refund', ''],
    ['fund:general', 'general', ''],
    ['campaign:0123456789abcdef', 'campaign', '…abcdef'],
    ['need:n1', 'need', 'n1'],
    ['expense:food', 'expense', 'food'],
    ['strange', 'other', 'strange'],
  ])('classifies %s', (account, key, param) => {
    expect(accountLabel(account)).toEqual({ key, param })
  })

  it('shortens only long identifiers', () => {
    expect(shortId('abc')).toBe('abc')
    expect(shortId('0123456789')).toBe('…456789')
  })
})

describe('sankeyData', () => {
  const label = (a: string): string => `L(${a})`

  it('maps flows to unique nodes and summed links in fen', () => {
    const d = sankeyData(
      [
        { from: 'donors', to: 'campaign:c1', amount_fen: 5000 },
        { from: 'campaign:c1', to: 'need:n1', amount_fen: 3000 },
        { from: 'need:n1', to: 'expense:food', amount_fen: 1000 },
        { from: 'need:n1', to: 'expense:food', amount_fen: 500 },
      ],
      label,
    )
    expect(d.nodes).toEqual([
      { name: 'donors', label: 'L(donors)' },
      { name: 'campaign:c1', label: 'L(campaign:c1)' },
      { name: 'need:n1', label: 'L(need:n1)' },
      { name: 'expense:food', label: 'L(expense:food)' },
    ])
    expect(d.links).toEqual([
      { source: 'donors', target: 'campaign:c1', value: 5000 },
      { source: 'campaign:c1', target: 'need:n1', value: 3000 },
      { source: 'need:n1', target: 'expense:food', value: 1500 },
    ])
  })

  it('drops empty, negative, fractional and self flows', () => {
    const d = sankeyData(
      [
        { from: 'a', to: 'b', amount_fen: 0 },
        { from: 'a', to: 'b', amount_fen: -5 },
        { from: 'a', to: 'b', amount_fen: 1.5 },
        { from: 'a', to: 'a', amount_fen: 10 },
      ],
      label,
    )
    expect(d).toEqual({ nodes: [], links: [] })
    expect(sankeyData(null, label)).toEqual({ nodes: [], links: [] })
  })
})

describe('entryAmount', () => {
  it('sums the debits of an entry', () => {
    expect(
      entryAmount([
        { account: 'campaign:c1', debit_fen: 0, credit_fen: 5000 },
        { account: 'donations:u1', debit_fen: 5000, credit_fen: 0 },
      ]),
    ).toBe(5000)
    expect(entryAmount(null)).toBe(0)
  })
})

describe('giveLedger', () => {
  it('reads the campaign query or falls back to the general fund', () => {
    expect(giveLedger('c1')).toBe('c1')
    expect(giveLedger(['c2', 'c3'])).toBe('c2')
    expect(giveLedger(undefined)).toBe('general')
    expect(giveLedger(' ')).toBe('general')
  })
})
