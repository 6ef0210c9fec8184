import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { fieldFindingsOf, highlightSegments } from '@/utils/pii'

const f = (start_u16: number, end_u16: number) => ({ start_u16, end_u16 })

describe('highlightSegments', () => {
  it('marks the span given in UTF-16 offsets', () => {
    const text = '孩子身份证号11010519491231002X，希望有人辅导数学。'
    const segs = highlightSegments(text, [f(6, 24)])
    expect(segs).toEqual([
      { text: '孩子身份证号', findings: [] },
      { text: '11010519491231002X', findings: [0] },
      { text: '，希望有人辅导数学。', findings: [] },
    ])
  })

  it('counts characters outside the BMP as two units, as the server does for start_u16', () => {
    // "😀" is one rune but two UTF-16 units: the phone number starts at 4, not 3.
    const text = '😀电话13800138000'
    const segs = highlightSegments(text, [f(4, 15)])
    expect(segs.map((s) => s.text)).toEqual(['😀电话', '13800138000'])
    expect(segs[1]?.findings).toEqual([0])
  })

  it('never cuts a surrogate pair', () => {
    const text = 'a😀b😀c'
    // 2 is the low half of the first emoji; 5 is the low half of the second.
    const segs = highlightSegments(text, [f(2, 5)])
    expect(segs.map((s) => s.text)).toEqual(['a', '😀b😀', 'c'])
  })

  it('merges overlapping and touching findings into one mark listing both', () => {
    const segs = highlightSegments('0123456789', [f(5, 8), f(1, 3), f(2, 6), f(8, 9)])
    expect(segs).toEqual([
      { text: '0', findings: [] },
      { text: '12345678', findings: [0, 1, 2, 3] },
      { text: '9', findings: [] },
    ])
  })

  it('clamps offsets to the text and drops empty spans', () => {
    expect(highlightSegments('abc', [f(-3, 1), f(2, 99), f(2, 2), f(3, 1)])).toEqual([
      { text: 'a', findings: [0] },
      { text: 'b', findings: [] },
      { text: 'c', findings: [1] },
    ])
  })

  it('gives the text back unchanged', () => {
    const text = '张小明的妈妈住在幸福路12号，电话 138 0013 8000'
    const segs = highlightSegments(text, [f(0, 6), f(10, 14), f(18, 31)])
    expect(segs.map((s) => s.text).join('')).toBe(text)
    expect(segs.filter((s) => s.findings.length).map((s) => s.text)).toEqual(['张小明的妈妈', '路12号', '138 0013 8000'])
  })

  it('returns one plain segment without findings, also for an empty text', () => {
    expect(highlightSegments('plain', [])).toEqual([{ text: 'plain', findings: [] }])
    expect(highlightSegments('', [f(0, 3)])).toEqual([{ text: '', findings: [] }])
  })
})

describe('fieldFindingsOf', () => {
  const finding = {
    kind: 'id_number',
    start: 6,
    end: 24,
    start_byte: 18,
    end_byte: 36,
    start_u16: 6,
    end_u16: 24,
    excerpt: '孩子身份证号******************',
    message_en: 'Possible ID number at characters 6–24; remove it before publishing.',
    message_zh: '第 6–24 个字符处疑似身份证号码，请删除后再发布。',
  }

  it('groups the details of a 422 by field (the API sends each finding flat, with its field)', () => {
    const err = new ApiError(422, {
      status: 422,
      detail: 'Personal data found: ID number in narrative at 6–24.',
      errors: [{ field: 'narrative', reason: 'contains personal data: ID number at 6–24' }],
      details: [
        { field: 'narrative', ...finding },
        { field: 'items[0].note', ...finding, kind: 'mobile', start_u16: 0, end_u16: 11 },
        { field: 'narrative', ...finding, start_u16: 30, end_u16: 41 },
        { note: 'not a finding' },
      ],
    })
    const got = fieldFindingsOf(err)
    expect(Object.keys(got).sort()).toEqual(['items[0].note', 'narrative'])
    expect(got.narrative?.map((x) => [x.start_u16, x.end_u16])).toEqual([
      [6, 24],
      [30, 41],
    ])
    expect(got.narrative?.[0]).not.toHaveProperty('field')
    expect(got['items[0].note']?.[0]?.kind).toBe('mobile')
  })

  it('is empty for other errors', () => {
    expect(fieldFindingsOf(new ApiError(400, { status: 400, details: [{ field: 'x', start_u16: 0, end_u16: 1 }] }))).toEqual({})
    expect(fieldFindingsOf(new ApiError(422, { status: 422 }))).toEqual({})
    expect(fieldFindingsOf(new Error('boom'))).toEqual({})
  })
})
