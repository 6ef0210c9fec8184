import { del, get, post, request } from './client'

/** Campaign is a fundraising campaign as the API returns it. */
export interface Campaign {
  id: string
  title: string
  summary: string
  target_fen: number
  start: string
  end: string
  status: string
  org_ids: string[] | null
  need_ids: string[] | null
}

/** CampaignTotals are the running sums of a campaign's ledger, in fen. */
export interface CampaignTotals {
  raised_fen: number
  refunded_fen: number
  allocated_fen: number
  spent_fen: number
  unallocated_fen: number
  held_by_needs_fen: number
}

/** CampaignWithTotals is an item of GET /campaigns and the body of GET /campaigns/{id}. */
export interface CampaignWithTotals {
  campaign: Campaign
  totals: CampaignTotals
}

/** Flow is money that went from one account (or "donors") to another. */
export interface Flow {
  from: string
  to: string
  amount_fen: number
}

/** CampaignReport is GET /campaigns/{id}/report (the parts the pages use). */
export interface CampaignReport {
  ledger: string
  donations: number
  donors: number
  raised_fen: number
  refunded_fen: number
  allocated_fen: number
  spent_fen: number
  unallocated_fen: number
  held_by_needs_fen: number
  balance_fen: number
  by_category: { category: string; amount_fen: number }[] | null
  flows: Flow[] | null
}

/** Posting is one line of a ledger entry. */
export interface Posting {
  account: string
  debit_fen: number
  credit_fen: number
}

/** LedgerEntry is one public, hash-chained ledger entry. */
export interface LedgerEntry {
  id: string
  ledger: string
  seq: number
  kind: string
  at: string
  why: string
  postings: Posting[] | null
  hash: string
}

/** Gift is an item of GET /donor/gifts. */
export interface Gift {
  donation_id: string
  ledger: string
  need_id?: string
  channel: string
  anonymous: boolean
  amount_fen: number
  refunded_fen: number
  at: string
}

/** TracedReceipt is a receipt of an expense a gift paid for (hash and type only). */
export interface TracedReceipt {
  sha256: string
  content_type: string
  kind: string
}

/** GiftTrace is one of the caller's gifts and where its money went. */
export interface GiftTrace {
  donation_id: string
  ledger: string
  anonymous: boolean
  channel: string
  need_id?: string
  amount_fen: number
  at: string
  allocations: { entry_id: string; at: string; need_id: string; amount_fen: number; designated: boolean }[] | null
  expenses:
    | {
        entry_id: string
        at: string
        expense_id: string
        need_id: string
        category: string
        why: string
        amount_fen: number
        receipts: TracedReceipt[] | null
      }[]
    | null
  refunds: { entry_id: string; at: string; amount_fen: number }[] | null
  held_by_needs: { need_id: string; amount_fen: number }[] | null
  spent_fen: number
  refunded_fen: number
  held_by_needs_fen: number
  unallocated_fen: number
}

/** DonorTrace is GET /donor/trace. */
export interface DonorTrace {
  gifts: GiftTrace[] | null
  total_fen: number
  spent_fen: number
  refunded_fen: number
  held_by_needs_fen: number
  unallocated_fen: number
  flows: Flow[] | null
  /** thumbnails maps a receipt SHA-256 to its published thumbnail address. */
  thumbnails?: Record<string, string>
}

/** CheckoutInput is the body of POST /donations/checkout. */
export interface CheckoutInput {
  ledger: string
  need_id?: string
  amount_fen: number
  anonymous: boolean
}

const enc = encodeURIComponent

export async function listCampaigns(): Promise<CampaignWithTotals[]> {
  const r = await get<{ items: CampaignWithTotals[] | null }>('/campaigns')
  return r.items ?? []
}

export function getCampaign(id: string): Promise<CampaignWithTotals> {
  return get<CampaignWithTotals>(`/campaigns/${enc(id)}`)
}

export function getCampaignReport(id: string): Promise<CampaignReport> {
  return get<CampaignReport>(`/campaigns/${enc(id)}/report`)
}

/** campaignReportCsvUrl is the download address of a campaign's CSV report. */
export function campaignReportCsvUrl(id: string): string {
  return `/api/v1/campaigns/${enc(id)}/report.csv`
}

/** getCampaignLedger returns the first page of a ledger and its published receipt thumbnails. */
export async function getCampaignLedger(id: string): Promise<{ items: LedgerEntry[]; thumbnails: Record<string, string> }> {
  const r = await get<{ items: LedgerEntry[] | null; thumbnails?: Record<string, string> }>(`/campaigns/${enc(id)}/ledger`)
  return { items: r.items ?? [], thumbnails: r.thumbnails ?? {} }
}

export function checkout(input: CheckoutInput): Promise<{ order_id: string; checkout_url: string }> {
  return post<{ order_id: string; checkout_url: string }>('/donations/checkout', input)
}

export async function myGifts(): Promise<Gift[]> {
  const r = await get<{ items: Gift[] | null }>('/donor/gifts')
  return r.items ?? []
}

export function myTrace(): Promise<DonorTrace> {
  return get<DonorTrace>('/donor/trace')
}

/** DonationReceipt is the receipt of one gift (POST /donor/gifts/{id}/receipt). */
export interface DonationReceipt {
  serial: string
  entry_id: string
  content_sha256: string
  issued_at: string
  content: {
    serial: string
    donor_name: string
    anonymous: boolean
    amount_fen: number
    amount_words: string
    designation: string
    org_names: string[]
    channel: string
    gift_at: string
    verify_url: string
  }
}

/** issueReceipt returns the receipt of one of my gifts, issuing it on first use. */
export function issueReceipt(donationId: string): Promise<{ receipt: DonationReceipt; pdf_url: string }> {
  return post<{ receipt: DonationReceipt; pdf_url: string }>(`/donor/gifts/${enc(donationId)}/receipt`, {})
}

/** PublicReceipt is GET /receipts/{serial}: what anyone may see of a receipt. */
export interface PublicReceipt {
  serial: string
  donor: string
  anonymous: boolean
  amount_fen: number
  refunded_fen: number
  designation: string
  org_names: string[]
  gift_at: string
  issued_at: string
  entry_id: string
  status: 'valid' | 'partially_refunded' | 'refunded' | 'mismatch'
  content_sha256: string
}

export function verifyReceipt(serial: string): Promise<PublicReceipt> {
  return get<PublicReceipt>(`/receipts/${enc(serial)}`)
}

/** publishedThumbnails maps a ledger's published receipt SHA-256s to their thumbnail addresses. */
export async function publishedThumbnails(ledger: string): Promise<Record<string, string>> {
  const r = await get<{ thumbnails?: Record<string, string> }>(`/campaigns/${enc(ledger)}/ledger?limit=1`)
  return r.thumbnails ?? {}
}

/** RedactedCopy is an uploaded redacted image of a receipt. */
export interface RedactedCopy {
  sha256: string
  blob_key: string
  content_type: string
}

/** publishReceipt publishes a receipt of an approved expense as a public thumbnail. */
export function publishReceipt(expenseId: string, sha: string, redacted?: RedactedCopy): Promise<{ url: string }> {
  return post<{ url: string }>(`/expenses/${enc(expenseId)}/receipts/${enc(sha)}/publication`, redacted ? { redacted } : {})
}

/** unpublishReceipt takes a receipt thumbnail off the public pages. */
export function unpublishReceipt(expenseId: string, sha: string): Promise<void> {
  return del(`/expenses/${enc(expenseId)}/receipts/${enc(sha)}/publication`)
}

/** RefundInput is the body of POST /refunds. */
export interface RefundInput {
  donation_id: string
  amount_fen: number
  why: string
}

/** refund records a refund of (part of) a gift; key makes a repeated request return the first refund. */
export function refund(input: RefundInput, key: string): Promise<{ id: string; seq: number; hash: string }> {
  return request<{ id: string; seq: number; hash: string }>('/refunds', { method: 'POST', body: input, idempotencyKey: key }).then((r) => r.data)
}

/** CampaignInput is the body of POST /campaigns. */
export interface CampaignInput {
  title: string
  summary: string
  org_ids: string[]
  target_fen: number
  start: string
  end: string
  need_ids: string[]
  status: 'draft' | 'active'
}

/** createCampaign opens a campaign (coordinators or finance staff of every organisation named). */
export function createCampaign(input: CampaignInput): Promise<Campaign> {
  return post<Campaign>('/campaigns', input)
}
