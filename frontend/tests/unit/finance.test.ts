import { describe, expect, it } from 'vitest'
import type { Campaign } from '@/api/money'
import type { Membership } from '@/api/types'
import {
  GENERAL_FUND,
  approvalBlock,
  chainLinked,
  checkExpense,
  fileTypeOf,
  financeOrgIds,
  formErrors,
  formField,
  isFinanceStaff,
  ledgerOptions,
  pickLedger,
  previewReason,
  shortHash,
  slipKind,
  weightShares,
  type ExpenseForm,
} from '@/utils/finance'
import { makeUser } from './fixtures'

const member = (org_id: string, role: Membership['role']): Membership => ({
  org_id,
  org_name: `org ${org_id}`,
  org_type: 'youth_league',
  county_code: '450123',
  role,
})

const campaign = (id: string, title: string, org_ids: string[], status = 'active'): Campaign => ({
  id,
  title,
  summary: '',
  target_fen: 100,
  start: '2026-01-01',
  end: '2026-12-31',
  status,
  org_ids,
  need_ids: [],
})

describe('finance staff', () => {
  it('lists only the organisations with the finance role', () => {
    const u = makeUser(['donor'], [member('a', 'finance'), member('b', 'coordinator'), member('c', 'finance')])
    expect(financeOrgIds(u)).toEqual(['a', 'c'])
    expect(isFinanceStaff(u)).toBe(true)
    expect(isFinanceStaff(makeUser(['donor'], [member('b', 'reviewer')]))).toBe(false)
    expect(isFinanceStaff(null)).toBe(false)
  })

  it('offers the campaigns of the finance organisations, open first, then the general fund', () => {
    const u = makeUser([], [member('a', 'finance'), member('b', 'coordinator')])
    const cs = [
      campaign('c1', '乙项目', ['a'], 'closed'),
      campaign('c2', '甲项目', ['x', 'a']),
      campaign('c3', '丙项目', ['b']),
      campaign('c4', '丁项目', ['a']),
    ]
    const got = ledgerOptions(cs, u).map((o) => o.id)
    expect(got.slice(-1)).toEqual([GENERAL_FUND])
    expect(got.slice(0, 2).sort()).toEqual(['c2', 'c4'])
    expect(got[2]).toBe('c1')
    expect(got).not.toContain('c3')
    expect(ledgerOptions([], null)).toEqual([{ id: GENERAL_FUND, title: '' }])
  })

  it.each([
    ['c2', 'c2'],
    [['c2', 'c4'], 'c2'],
    ['nope', 'c4'],
    [undefined, 'c4'],
    [null, 'c4'],
  ])('picks the ledger %j as %s', (wanted, want) => {
    const opts = [
      { id: 'c4', title: 'x' },
      { id: 'c2', title: 'y' },
      { id: GENERAL_FUND, title: '' },
    ]
    expect(pickLedger(wanted, opts)).toBe(want)
  })

  it('picks nothing from no options', () => {
    expect(pickLedger('c1', [])).toBe('')
  })
})

describe('approvalBlock (four eyes)', () => {
  it.each([
    ['pending', 'u1', 'u2', null],
    ['pending', 'u1', 'u1', 'author'],
    ['pending', 'u1', '', 'author'],
    ['pending', 'u1', undefined, 'author'],
    ['approved', 'u1', 'u2', 'decided'],
    ['rejected', 'u1', 'u1', 'decided'],
  ] as const)('a %s expense by %s, asked by %s: %s', (status, author, me, want) => {
    expect(approvalBlock({ status, created_by: author }, me)).toBe(want)
  })
})

describe('files', () => {
  it.each([
    [{ name: 'a.pdf', type: 'application/pdf' }, 'application/pdf'],
    [{ name: 'scan', type: 'image/jpeg' }, 'image/jpeg'],
    [{ name: 'scan.JPG', type: '' }, 'image/jpeg'],
    [{ name: 'x.jpeg', type: 'image/jpg' }, 'image/jpeg'],
    [{ name: 'slip.png', type: '' }, 'image/png'],
    [{ name: 'slip.PDF', type: 'application/octet-stream' }, 'application/pdf'],
    [{ name: 'virus.exe', type: 'application/x-msdownload' }, null],
    [{ name: 'doc.docx', type: '' }, null],
    [{ name: 'noext', type: '' }, null],
  ])('%j is %s', (file, want) => {
    expect(fileTypeOf(file)).toBe(want)
  })

  it('names the slip kind by channel', () => {
    expect(slipKind('bank_transfer')).toBe('bank_slip')
    expect(slipKind('cash')).toBe('cash_receipt')
  })
})

describe('server field errors', () => {
  it.each([
    ['receipts[0].sha256', 'receipts'],
    ['receipts', 'receipts'],
    ['slip.kind', 'slip'],
    ['slip[0].content_type', 'slip'],
    ['splits[2].amount_fen', 'splits'],
    ['amount_fen', 'amount'],
    ['description', 'description'],
    ['need_id', 'need_id'],
  ])('%s shows on %s', (server, form) => {
    expect(formField(server)).toBe(form)
  })

  it('keeps the first reason per form field', () => {
    expect(
      formErrors({
        'receipts[0].sha256': 'bad hash',
        'receipts[1].kind': 'bad kind',
        description: 'contains personal data: phone number',
        amount_fen: 'too much',
      }),
    ).toEqual({ receipts: 'bad hash', description: 'contains personal data: phone number', amount: 'too much' })
  })
})

describe('checkExpense', () => {
  const ok: ExpenseForm = { needId: 'n1', vendor: '县一中', description: '新生学费', category: 'tuition', amount: '120.50', receipts: 1 }

  it('accepts a complete form', () => {
    expect(checkExpense(ok)).toEqual({})
    expect(checkExpense(ok, 12050)).toEqual({})
  })

  it.each<[Partial<ExpenseForm>, Record<string, string>]>([
    [{ needId: '' }, { needId: 'need' }],
    [{ vendor: '店' }, { vendor: 'vendor' }],
    [{ vendor: '  店 ' }, { vendor: 'vendor' }],
    [{ vendor: 'x'.repeat(101) }, { vendor: 'vendor' }],
    [{ description: '学费' }, { description: 'description' }],
    [{ description: '😀😀😀😀' }, {}],
    [{ description: 'x'.repeat(501) }, { description: 'description' }],
    [{ category: 'yachts' }, { category: 'category' }],
    [{ amount: '' }, { amount: 'amount' }],
    [{ amount: '0' }, { amount: 'amount' }],
    [{ amount: '1.234' }, { amount: 'amount' }],
    [{ amount: '-5' }, { amount: 'amount' }],
    [{ receipts: 0 }, { receipts: 'receipts' }],
    [{ receipts: 11 }, { receipts: 'receipts' }],
  ])('flags %j', (change, want) => {
    expect(checkExpense({ ...ok, ...change })).toEqual(want)
  })

  it('flags more than the need has available, to the fen', () => {
    expect(checkExpense({ ...ok, amount: '120.51' }, 12050)).toEqual({ amount: 'amountOver' })
    expect(checkExpense({ ...ok, amount: '120.50' }, 12050)).toEqual({})
    expect(checkExpense({ ...ok, amount: '0.01' }, 0)).toEqual({ amount: 'amountOver' })
  })
})

describe('policy preview', () => {
  it('shares the weight gap × urgency, urgency clamped to 1–5', () => {
    expect(
      weightShares([
        { gap_fen: 1000, urgency: 5 },
        { gap_fen: 1000, urgency: 9 },
        { gap_fen: 3000, urgency: 0 },
        { gap_fen: 0, urgency: 5 },
      ]),
    ).toEqual([38, 38, 23, 0])
    expect(weightShares([{ gap_fen: 0, urgency: 3 }])).toEqual([0])
    expect(weightShares([])).toEqual([])
  })

  it('stays exact for large gaps', () => {
    expect(weightShares([{ gap_fen: Number.MAX_SAFE_INTEGER, urgency: 5 }, { gap_fen: 1, urgency: 1 }])).toEqual([99, 0])
  })

  it.each([
    [{ gap_fen: 0, amount_fen: 0 }, 'noGap'],
    [{ gap_fen: 500, amount_fen: 500 }, 'gapFilled'],
    [{ gap_fen: 500, amount_fen: 120 }, 'share'],
    [{ gap_fen: 500, amount_fen: 0 }, 'share'],
  ] as const)('explains %j as %s', (line, want) => {
    expect(previewReason(line)).toBe(want)
  })
})

describe('hash chain', () => {
  it('shortens hashes', () => {
    expect(shortHash('abcdef0123456789', 6)).toBe('abcdef…')
    expect(shortHash('abc', 6)).toBe('abc')
    expect(shortHash(undefined)).toBe('')
  })

  it('checks each entry links to the one before it', () => {
    const es = [
      { seq: 1, hash: 'h1', prev_hash: '' },
      { seq: 2, hash: 'h2', prev_hash: 'h1' },
      { seq: 3, hash: 'h3', prev_hash: 'hX' },
      { seq: 5, hash: 'h5', prev_hash: 'h4' },
    ]
    expect(chainLinked(es)).toEqual([true, true, false, true])
  })
})
