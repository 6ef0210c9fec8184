/**
 * Pure helpers of the finance-staff pages: which ledgers a user may manage,
 * what an expense form is missing, who may approve an expense, how server
 * field errors map to form fields. Money stays integer fen throughout.
 */
import type { Campaign } from '@/api/money'
import type { Expense, PreviewLine } from '@/api/finance'
import type { User } from '@/api/types'
import { parseYuan } from './money'

/** GENERAL_FUND is the ledger ID of the general fund. */
export const GENERAL_FUND = 'general'

/** EXPENSE_CATEGORIES are the server's expense categories, in form order. */
export const EXPENSE_CATEGORIES = [
  'clothing',
  'school_supplies',
  'books',
  'tuition',
  'living_allowance',
  'medical',
  'food',
  'transport',
  'activities',
  'other',
] as const

/** RECEIPT_TYPES are the content types the server accepts for receipts and slips. */
export const RECEIPT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const

/** MAX_RECEIPTS is how many files one expense may carry. */
export const MAX_RECEIPTS = 10

/** financeOrgIds lists the organisations in which the user has the finance role. */
export function financeOrgIds(user: User | null | undefined): string[] {
  return (user?.memberships ?? []).filter((m) => m.role === 'finance').map((m) => m.org_id)
}

/** isFinanceStaff tells whether the user is finance staff somewhere. */
export function isFinanceStaff(user: User | null | undefined): boolean {
  return financeOrgIds(user).length > 0
}

/** LedgerOption is a ledger the finance pages can work on. */
export interface LedgerOption {
  id: string
  /** title is the campaign title; empty for the general fund (the page names it). */
  title: string
}

/**
 * ledgerOptions lists the campaigns run by one of the user's finance
 * organisations (open ones first, then by title) and, last, the general
 * fund (whether the user may run it is for the server to say).
 */
export function ledgerOptions(campaigns: readonly Campaign[], user: User | null | undefined): LedgerOption[] {
  const mine = new Set(financeOrgIds(user))
  const rank = (c: Campaign) => (c.status === 'active' ? 0 : 1)
  const list = campaigns
    .filter((c) => (c.org_ids ?? []).some((o) => mine.has(o)))
    .slice()
    .sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title, 'zh-CN') || a.id.localeCompare(b.id))
    .map((c) => ({ id: c.id, title: c.title }))
  return [...list, { id: GENERAL_FUND, title: '' }]
}

/** pickLedger returns the wanted ledger when it is an option, else the first option ('' when none). */
export function pickLedger(wanted: unknown, options: readonly LedgerOption[]): string {
  const w = Array.isArray(wanted) ? wanted[0] : wanted
  if (typeof w === 'string' && options.some((o) => o.id === w)) return w
  return options[0]?.id ?? ''
}

/** ApprovalBlock says why the caller cannot approve an expense, or null when they can. */
export type ApprovalBlock = 'author' | 'decided' | null

/**
 * approvalBlock applies the four-eyes rule as the server does: only a
 * pending expense can be approved, and never by the user who recorded it.
 */
export function approvalBlock(expense: Pick<Expense, 'status' | 'created_by'>, userId: string | null | undefined): ApprovalBlock {
  if (expense.status !== 'pending') return 'decided'
  if (!userId || expense.created_by === userId) return 'author'
  return null
}

/** slipKind is the receipt kind of an offline gift's proof for its channel. */
export function slipKind(channel: 'bank_transfer' | 'cash'): 'bank_slip' | 'cash_receipt' {
  return channel === 'cash' ? 'cash_receipt' : 'bank_slip'
}

/**
 * fileTypeOf returns the accepted content type of a chosen file (by its
 * browser type, else by extension), or null when it is not a PDF, JPEG or
 * PNG. The server checks the bytes again.
 */
export function fileTypeOf(file: { name: string; type: string }): (typeof RECEIPT_TYPES)[number] | null {
  const t = file.type.toLowerCase()
  if ((RECEIPT_TYPES as readonly string[]).includes(t)) return t as (typeof RECEIPT_TYPES)[number]
  if (t === 'image/jpg') return 'image/jpeg'
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase()
  if (ext === 'pdf') return 'application/pdf'
  if (ext === 'jpg' || ext === 'jpeg') return 'image/jpeg'
  if (ext === 'png') return 'image/png'
  return null
}

/**
 * formField maps a server field name to the form field showing it:
 * "receipts[0].sha256" → "receipts", "slip.kind" → "slip",
 * "splits[2].amount_fen" → "splits", "amount_fen" → "amount".
 */
export function formField(serverField: string): string {
  const base = serverField.replace(/\[\d+\].*$/, '').replace(/\..*$/, '')
  return base === 'amount_fen' ? 'amount' : base
}

/** formErrors folds server field errors onto form fields, keeping the first reason per field. */
export function formErrors(fieldErrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(fieldErrors)) {
    const f = formField(k)
    if (!(f in out)) out[f] = v
  }
  return out
}

/** ExpenseForm is what the expense form holds before it is sent. */
export interface ExpenseForm {
  needId: string
  vendor: string
  description: string
  category: string
  amount: string
  receipts: number
}

/** ExpenseProblem is an i18n key suffix under finance.expense.invalid. */
export type ExpenseProblem = 'need' | 'vendor' | 'description' | 'category' | 'amount' | 'amountOver' | 'receipts'

/**
 * checkExpense returns the problems of an expense form by field, with the
 * server's length rules (vendor 2–100, description 4–500 characters), a
 * positive amount in yuan no larger than availableFen (when given), and
 * 1–10 receipts.
 */
export function checkExpense(f: ExpenseForm, availableFen?: number): Partial<Record<keyof ExpenseForm, ExpenseProblem>> {
  const out: Partial<Record<keyof ExpenseForm, ExpenseProblem>> = {}
  const len = (s: string) => [...s.trim()].length
  if (!f.needId) out.needId = 'need'
  if (len(f.vendor) < 2 || len(f.vendor) > 100) out.vendor = 'vendor'
  if (len(f.description) < 4 || len(f.description) > 500) out.description = 'description'
  if (!(EXPENSE_CATEGORIES as readonly string[]).includes(f.category)) out.category = 'category'
  const fen = parseYuan(f.amount)
  if (fen === null || fen <= 0) out.amount = 'amount'
  else if (availableFen !== undefined && fen > availableFen) out.amount = 'amountOver'
  if (f.receipts < 1 || f.receipts > MAX_RECEIPTS) out.receipts = 'receipts'
  return out
}

/**
 * weightShares gives each preview line its share of the policy weight
 * (gap × urgency, urgency clamped to 1–5) as a whole percentage rounded
 * down; lines without a gap get 0.
 */
export function weightShares(lines: readonly Pick<PreviewLine, 'gap_fen' | 'urgency'>[]): number[] {
  const w = lines.map((l) => (l.gap_fen > 0 ? BigInt(l.gap_fen) * BigInt(Math.min(Math.max(Math.trunc(l.urgency), 1), 5)) : 0n))
  const total = w.reduce((a, b) => a + b, 0n)
  if (total === 0n) return w.map(() => 0)
  return w.map((x) => Number((x * 100n) / total))
}

/** PreviewReason is an i18n key suffix under finance.allocate.reason explaining one line. */
export type PreviewReason = 'noGap' | 'gapFilled' | 'share'

/** previewReason says why a policy line gets its amount. */
export function previewReason(line: Pick<PreviewLine, 'gap_fen' | 'amount_fen'>): PreviewReason {
  if (line.gap_fen <= 0) return 'noGap'
  if (line.amount_fen >= line.gap_fen) return 'gapFilled'
  return 'share'
}

/** shortHash keeps the first n characters of a hash for display. */
export function shortHash(hash: string | null | undefined, n = 10): string {
  if (!hash) return ''
  return hash.length > n ? `${hash.slice(0, n)}…` : hash
}

/** chainLinked tells whether each entry's prev_hash is the hash of the entry before it in the list. */
export function chainLinked(entries: readonly { seq: number; hash: string; prev_hash?: string }[]): boolean[] {
  return entries.map((e, i) => {
    const prev = entries[i - 1]
    if (!prev || prev.seq !== e.seq - 1) return true
    return e.prev_hash === prev.hash
  })
}
