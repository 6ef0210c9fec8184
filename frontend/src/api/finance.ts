import { computed, onMounted, ref, watch, type ComputedRef, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { API_BASE, ApiError, CSRF_HEADER, ensureCsrfCookie, get, post } from './client'
import { listCampaigns, type CampaignTotals } from './money'
import { useAuthStore } from '@/stores/auth'
import { isFinanceStaff, ledgerOptions, pickLedger, type LedgerOption } from '@/utils/finance'
import type { Page, Problem } from './types'

/** Receipt is a stored file referenced by a ledger entry or an expense. */
export interface Receipt {
  sha256: string
  blob_key?: string
  content_type: string
  kind: string
}

/** Upload is the answer of POST /uploads. */
export interface Upload {
  blob_key: string
  sha256: string
  content_type: string
  size: number
}

/** NeedBalance is what one need holds in one ledger (fen). */
export interface NeedBalance {
  need_id: string
  title: string
  org_id: string
  status: string
  target_fen: number
  allocated_fen: number
  spent_fen: number
  balance_fen: number
  pending_fen: number
  available_fen: number
}

/** LedgerBalances is GET /ledgers/{ledger}/balances. */
export interface LedgerBalances {
  ledger: string
  as_of_seq: number
  totals: CampaignTotals & { balance_fen: number }
  pool_fen: number
  needs: NeedBalance[] | null
}

/** OfflineGiftInput is the body of POST /donations/offline. */
export interface OfflineGiftInput {
  ledger: string
  need_id?: string
  anonymous: boolean
  amount_fen: number
  channel: 'bank_transfer' | 'cash'
  slip: Receipt
  note?: string
  /** donor_id is the donor's account, when they have one (found by lookupDonor). */
  donor_id?: string
}

/** OfflineGift is the ledger entry answered for an offline gift. */
export interface OfflineGift {
  id: string
  ledger: string
  seq: number
  hash: string
}

/** PreviewLine is one candidate need of an allocation preview. */
export interface PreviewLine {
  need_id: string
  title: string
  org_id: string
  target_fen: number
  raised_fen: number
  gap_fen: number
  urgency: number
  amount_fen: number
}

/** Split is an amount for one need. */
export interface Split {
  need_id: string
  amount_fen: number
}

/** AllocationPreview is the answer of POST /allocations/preview. */
export interface AllocationPreview {
  ledger: string
  policy: string
  available_fen: number
  amount_fen: number
  allocated_fen: number
  leftover_fen: number
  lines: PreviewLine[] | null
  splits: Split[] | null
  as_of_seq: number
}

/** ExpenseInput is the body of POST /expenses. */
export interface ExpenseInput {
  ledger: string
  need_id: string
  vendor: string
  description: string
  category: string
  amount_fen: number
  receipts: Receipt[]
}

/** Expense is an expense as the API returns it. */
export interface Expense {
  id: string
  ledger: string
  need_id: string
  org_id: string
  vendor: string
  description: string
  category: string
  amount_fen: number
  receipts: Receipt[] | null
  status: 'pending' | 'approved' | 'rejected'
  created_by: string
  created_at: string
  decided_by?: string
  decided_at?: string
  reject_reason?: string
  entry_id?: string
}

const enc = encodeURIComponent

export function getBalances(ledger: string): Promise<LedgerBalances> {
  return get<LedgerBalances>(`/ledgers/${enc(ledger)}/balances`)
}

/** uploadFile sends a receipt or bank slip to POST /uploads (multipart). */
export async function uploadFile(file: File): Promise<Upload> {
  const form = new FormData()
  form.append('file', file, file.name)
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  const token = await ensureCsrfCookie()
  if (token) headers[CSRF_HEADER] = token
  let res: Response
  try {
    res = await fetch(`${API_BASE}/uploads`, { method: 'POST', body: form, headers, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, { status: 0 })
  }
  let body: unknown = undefined
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  if (!res.ok) {
    throw new ApiError(res.status, body && typeof body === 'object' ? (body as Problem) : { status: res.status })
  }
  return body as Upload
}

/** DonorMatch is the account a donor look-up found: its ID and masked display name. */
export interface DonorMatch {
  id: string
  display_name_masked: string
}

/**
 * contactKind says whether a donor contact is an e-mail address (it has an
 * @) or a mobile number; the server checks the whole value.
 */
export function contactKind(contact: string): 'email' | 'phone' {
  return contact.includes('@') ? 'email' : 'phone'
}

/**
 * lookupDonor finds the account with exactly this e-mail address or mobile
 * number, for finance staff of orgId (GET /orgs/{id}/donor-lookup).
 */
export function lookupDonor(orgId: string, contact: string): Promise<DonorMatch> {
  const c = contact.trim()
  const q = new URLSearchParams({ [contactKind(c)]: c })
  return get<DonorMatch>(`/orgs/${enc(orgId)}/donor-lookup?${q.toString()}`)
}

export function recordOfflineGift(input: OfflineGiftInput): Promise<OfflineGift> {
  return post<OfflineGift>('/donations/offline', input)
}

export function previewAllocation(ledger: string, amountFen: number): Promise<AllocationPreview> {
  return post<AllocationPreview>('/allocations/preview', { ledger, amount_fen: amountFen })
}

export function allocate(ledger: string, splits: Split[], why: string, policy: string): Promise<{ id: string; seq: number; hash: string }> {
  return post<{ id: string; seq: number; hash: string }>('/allocations', { ledger, splits, why, policy })
}

export function createExpense(input: ExpenseInput): Promise<Expense> {
  return post<Expense>('/expenses', input)
}

/** EXPENSE_PAGE is how many expenses one page of the approval queue holds (the server's maximum). */
export const EXPENSE_PAGE = 100

/** listExpensesPage reads one page of a ledger's expenses in a status; cursor null is the first page. */
export async function listExpensesPage(ledger: string, status: string, cursor: string | null, limit = EXPENSE_PAGE): Promise<Page<Expense>> {
  const q = new URLSearchParams({ ledger, status, limit: String(limit) })
  if (cursor) q.set('cursor', cursor)
  const r = await get<{ items: Expense[] | null; next_cursor?: string | null }>(`/expenses?${q.toString()}`)
  return { items: r.items ?? [], next_cursor: r.next_cursor || null }
}

export function approveExpense(id: string): Promise<{ expense: Expense; entry: { id: string; seq: number; hash: string } }> {
  return post<{ expense: Expense; entry: { id: string; seq: number; hash: string } }>(`/expenses/${enc(id)}/approve`)
}

export function rejectExpense(id: string, reason: string): Promise<Expense> {
  return post<Expense>(`/expenses/${enc(id)}/reject`, { reason })
}

/** donationSlipUrl is the address of an offline gift's bank slip or cash receipt (finance staff). */
export function donationSlipUrl(donationId: string): string {
  return `${API_BASE}/donations/${enc(donationId)}/slip`
}

/** OfflineGiftEntry is an offline gift as the finance gift page lists it. */
export interface OfflineGiftEntry {
  id: string
  seq: number
  at: string
  why: string
  amount_fen: number
  channel: 'bank_transfer' | 'cash'
  anonymous: boolean
  /** hasDonor tells whether the gift is linked to a donor account. */
  hasDonor: boolean
  slip: Receipt
}

interface FullEntry {
  id: string
  seq: number
  kind: string
  at: string
  why: string
  postings: { account: string; debit_fen: number; credit_fen: number }[] | null
  links?: { channel?: string; anonymous?: boolean; donor_id?: string; receipts?: Receipt[] | null }
}

/** offlineGiftsOf picks the offline gifts with a slip out of ledger entries, newest first. */
export function offlineGiftsOf(entries: readonly FullEntry[]): OfflineGiftEntry[] {
  const out: OfflineGiftEntry[] = []
  for (const e of entries) {
    const ch = e.links?.channel
    const slip = e.links?.receipts?.[0]
    if (e.kind !== 'donation' || (ch !== 'bank_transfer' && ch !== 'cash') || !slip) continue
    out.push({
      id: e.id,
      seq: e.seq,
      at: e.at,
      why: e.why,
      amount_fen: (e.postings ?? []).reduce((n, p) => n + p.debit_fen, 0),
      channel: ch,
      anonymous: e.links?.anonymous === true,
      hasDonor: !!e.links?.donor_id,
      slip,
    })
  }
  return out.sort((a, b) => b.seq - a.seq)
}

/** RECENT_ENTRIES is how many of a ledger's latest entries the gift page looks through. */
export const RECENT_ENTRIES = 100

/**
 * recentOfflineGifts lists the offline gifts among the latest entries of a
 * ledger whose head is entry headSeq (finance staff get entries in full).
 */
export async function recentOfflineGifts(ledger: string, headSeq: number): Promise<OfflineGiftEntry[]> {
  const after = Math.max(0, headSeq - RECENT_ENTRIES)
  const r = await get<{ items: FullEntry[] | null }>(`/campaigns/${enc(ledger)}/ledger?after=${after}&limit=${RECENT_ENTRIES}`)
  return offlineGiftsOf(r.items ?? [])
}

/** expenseFileUrl is the address of receipt n (from 0) of an expense. */
export function expenseFileUrl(id: string, n: number): string {
  return `${API_BASE}/expenses/${enc(id)}/files/${n}`
}

/** campaignReportXlsxUrl is the download address of a campaign's Excel report. */
export function campaignReportXlsxUrl(id: string): string {
  return `${API_BASE}/campaigns/${enc(id)}/report.xlsx`
}

/** FinanceLedger is the state the finance pages share: the chosen ledger and its balances. */
export interface FinanceLedger {
  options: Ref<LedgerOption[]>
  /** ledger is the chosen ledger ID (query ?ledger=), '' before the options load. */
  ledger: ComputedRef<string>
  balances: Ref<LedgerBalances | null>
  error: Ref<unknown>
  loaded: Ref<boolean>
  isFinance: ComputedRef<boolean>
  setLedger: (id: string) => void
  reload: () => Promise<void>
}

/**
 * useFinanceLedger loads the ledgers the user may manage and the balances
 * of the one chosen in the ?ledger= query, reloading them when it changes.
 */
export function useFinanceLedger(): FinanceLedger {
  const route = useRoute()
  const router = useRouter()
  const auth = useAuthStore()
  const options = ref<LedgerOption[]>([])
  const balances = ref<LedgerBalances | null>(null)
  const error = ref<unknown>(null)
  const loaded = ref(false)
  const isFinance = computed(() => isFinanceStaff(auth.user))
  const ledger = computed(() => (loaded.value ? pickLedger(route.query.ledger, options.value) : ''))

  async function reload(): Promise<void> {
    if (!ledger.value) return
    error.value = null
    try {
      balances.value = await getBalances(ledger.value)
    } catch (err) {
      balances.value = null
      error.value = err
    }
  }

  function setLedger(id: string): void {
    void router.replace({ query: { ...route.query, ledger: id } })
  }

  watch(ledger, (id, old) => {
    if (id && id !== old) void reload()
  })

  onMounted(async () => {
    if (!isFinance.value) {
      loaded.value = true
      return
    }
    try {
      const cs = await listCampaigns()
      options.value = ledgerOptions(
        cs.map((c) => c.campaign),
        auth.user,
      )
    } catch (err) {
      error.value = err
      options.value = ledgerOptions([], auth.user)
    }
    loaded.value = true
  })

  return { options, ledger, balances, error, loaded, isFinance, setLedger, reload }
}

/** ChainEntry is a public ledger entry with its hash-chain link. */
export interface ChainEntry {
  id: string
  ledger: string
  seq: number
  kind: string
  at: string
  why: string
  postings: { account: string; debit_fen: number; credit_fen: number }[] | null
  hash: string
  prev_hash?: string
  /** links.receipts lists an expense's receipts by hash and type (public). */
  links?: { receipts?: { sha256: string; content_type: string; kind: string }[] | null }
}

/** ledgerPage reads up to limit public entries of a campaign ledger after seq after. */
export async function ledgerPage(ledger: string, after: number, limit = 50): Promise<ChainEntry[]> {
  const r = await get<{ items: ChainEntry[] | null }>(`/campaigns/${enc(ledger)}/ledger?after=${after}&limit=${limit}`)
  return r.items ?? []
}

/** campaignReportJsonUrl is the address of a campaign's report as JSON. */
export function campaignReportJsonUrl(id: string): string {
  return `${API_BASE}/campaigns/${enc(id)}/report`
}

/** campaignReportCsvUrl is the download address of a campaign's CSV report. */
export function campaignReportCsvUrl(id: string): string {
  return `${API_BASE}/campaigns/${enc(id)}/report.csv`
}

/** Member is a staff member of an organisation: name and role, no contact data. */
export interface Member {
  user_id: string
  display_name: string
  role: string
}

/** orgMembers lists an organisation's staff (for its own staff and administrators). */
export async function orgMembers(orgId: string): Promise<Member[]> {
  const r = await get<{ items: Member[] | null }>(`/orgs/${enc(orgId)}/members`)
  return r.items ?? []
}
