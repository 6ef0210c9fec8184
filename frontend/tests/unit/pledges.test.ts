import { describe, expect, it } from 'vitest'
import { deliveryErrors, pledgeLines, pledgeTotal, remaining, staffNext, todayInShanghai, traceText } from '@/utils/pledges'

const items = [
  { count: 10, pledged: 3 },
  { count: 4, pledged: 4 },
  { count: 5, pledged: 0 },
]

describe('remaining', () => {
  it('is count minus pledged, never below zero', () => {
    expect(items.map(remaining)).toEqual([7, 0, 5])
    expect(remaining({ count: 2, pledged: 5 })).toBe(0)
  })
})

describe('pledgeLines', () => {
  const cases: { name: string; typed: Record<number, string | number>; lines: unknown; errors: unknown; empty: boolean }[] = [
    { name: 'nothing typed', typed: {}, lines: [], errors: {}, empty: true },
    { name: 'zeros and blanks are skipped', typed: { 0: '0', 1: ' ', 2: '' }, lines: [], errors: {}, empty: true },
    { name: 'two lines', typed: { 0: '3', 2: 5 }, lines: [{ item: 0, count: 3 }, { item: 2, count: 5 }], errors: {}, empty: false },
    { name: 'over what is left', typed: { 0: '8', 2: '1' }, lines: [{ item: 2, count: 1 }], errors: { 0: 'tooMany' }, empty: false },
    { name: 'full line', typed: { 1: '1' }, lines: [], errors: { 1: 'tooMany' }, empty: false },
    { name: 'not whole', typed: { 0: '1.5', 2: '-1' }, lines: [], errors: { 0: 'whole', 2: 'whole' }, empty: false },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(pledgeLines(items, c.typed)).toEqual({ lines: c.lines, errors: c.errors, empty: c.empty })
    })
  }
})

describe('pledge helpers', () => {
  const p = {
    lines: [
      { item: 0, type: 'winter_coat', size: '130', count: 3, delivered: 0 },
      { item: 1, type: 'shoes', size: '34', count: 2, delivered: 0 },
    ],
    trace: { zh: '3 件 130 码棉衣已送达', en: '3 winter coats, size 130: delivered' },
  }
  it('totals the lines', () => expect(pledgeTotal(p)).toBe(5))
  it('picks the trace by locale', () => {
    expect(traceText(p, 'zh-CN')).toBe('3 件 130 码棉衣已送达')
    expect(traceText(p, 'en')).toBe('3 winter coats, size 130: delivered')
  })
  it('names the next staff action', () => {
    expect([staffNext('pledged'), staffNext('received'), staffNext('delivered'), staffNext('cancelled')]).toEqual(['receive', 'deliver', null, null])
  })
  it('knows the Shanghai date', () => {
    expect(todayInShanghai(new Date('2026-11-29T17:30:00Z'))).toBe('2026-11-30')
    expect(todayInShanghai(new Date('2026-11-29T08:00:00Z'))).toBe('2026-11-29')
  })
})

describe('deliveryErrors', () => {
  const today = '2026-11-29'
  const cases: { name: string; f: { date: string; count: string | number; hasPhoto: boolean }; want: Record<string, string> }[] = [
    { name: 'complete', f: { date: '2026-11-28', count: '3', hasPhoto: true }, want: {} },
    { name: 'today is fine', f: { date: today, count: 1, hasPhoto: true }, want: {} },
    { name: 'future date', f: { date: '2026-11-30', count: 3, hasPhoto: true }, want: { date: 'future' } },
    { name: 'no date, bad count, no photo', f: { date: '', count: '0', hasPhoto: false }, want: { date: 'date', count: 'count', photo: 'photo' } },
    { name: 'count above total', f: { date: today, count: '6', hasPhoto: true }, want: { count: 'count' } },
  ]
  for (const c of cases) {
    it(c.name, () => expect(deliveryErrors(c.f, 5, today)).toEqual(c.want))
  }
})
