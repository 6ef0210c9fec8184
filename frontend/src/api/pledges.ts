import { API_BASE, ApiError, CSRF_HEADER, ensureCsrfCookie, get, post } from './client'
import type { Problem } from './types'

/** PledgeStatus is where a pledge of goods stands. */
export type PledgeStatus = 'pledged' | 'received' | 'delivered' | 'cancelled'

/** PLEDGE_STATUSES lists the statuses in their order. */
export const PLEDGE_STATUSES: readonly PledgeStatus[] = ['pledged', 'received', 'delivered', 'cancelled']

/** PledgeLine is what a pledge gives to one line of an in-kind need. */
export interface PledgeLine {
  item: number
  type: string
  size: string
  count: number
  delivered: number
}

/** PledgeEvent is one status change of a pledge. */
export interface PledgeEvent {
  status: PledgeStatus
  by: string
  at: string
  note?: string
}

/** PledgeDelivery is the delivery record of a delivered pledge. */
export interface PledgeDelivery {
  date: string
  count: number
  photo_key: string
  photo_sha256: string
  photo_type: string
  by: string
  at: string
}

/** Pledge is a pledge of goods as the API returns it, with its trace sentences. */
export interface Pledge {
  id: string
  need_id: string
  need_title: string
  org_id: string
  org_name: string
  donor_id: string
  /** donor_name is the donor's display name, masked. */
  donor_name?: string
  lines: PledgeLine[]
  status: PledgeStatus
  note?: string
  history: PledgeEvent[]
  delivery?: PledgeDelivery
  created_at: string
  updated_at: string
  version: number
  trace: { zh: string; en: string }
}

/** PledgeLineInput is one line of a pledge request. */
export interface PledgeLineInput {
  item: number
  count: number
}

/** Assignment proposes giving items of a pledge to a need line. */
export interface Assignment {
  pledge_id: string
  pledge_line: number
  need_id: string
  need_title: string
  item: number
  type: string
  size: string
  count: number
  moves: boolean
}

/** SuggestLine is a need line the suggestion leaves short. */
export interface SuggestLine {
  need_id: string
  need_title: string
  item: number
  type: string
  size: string
  open: number
  urgency: number
  deadline?: string
}

/** Suggestion is GET /orgs/{id}/pledge-suggestion. */
export interface Suggestion {
  assignments: Assignment[]
  unfilled: SuggestLine[]
}

/** DeliveryInput is the body of POST /pledges/{id}/deliver. */
export interface DeliveryInput {
  date: string
  count: number
  photo_key: string
  photo_sha256: string
  note?: string
}

/** PhotoUpload is the answer of POST /uploads. */
export interface PhotoUpload {
  blob_key: string
  sha256: string
  content_type: string
  size: number
}

const enc = encodeURIComponent

/** createPledge pledges goods to lines of a public in-kind need. */
export function createPledge(needId: string, lines: PledgeLineInput[], note = ''): Promise<Pledge> {
  return post<Pledge>(`/needs/${enc(needId)}/pledges`, note ? { lines, note } : { lines })
}

/** myPledges lists the caller's pledges, newest first. */
export async function myPledges(signal?: AbortSignal): Promise<Pledge[]> {
  const r = await get<{ items: Pledge[] | null }>('/donor/pledges', signal)
  return Array.isArray(r.items) ? r.items : []
}

/** cancelPledge cancels the caller's pledge while it is pledged. */
export function cancelPledge(id: string): Promise<Pledge> {
  return post<Pledge>(`/pledges/${enc(id)}/cancel`)
}

/** orgPledges lists an organisation's pledges (staff), optionally of one need and some statuses. */
export async function orgPledges(orgId: string, needId = '', status: string[] = []): Promise<Pledge[]> {
  const q = new URLSearchParams()
  if (needId) q.set('need_id', needId)
  if (status.length > 0) q.set('status', status.join(','))
  const qs = q.toString()
  const r = await get<{ items: Pledge[] | null }>(`/orgs/${enc(orgId)}/pledges${qs ? `?${qs}` : ''}`)
  return Array.isArray(r.items) ? r.items : []
}

/** pledgeSuggestion asks for the urgent-first assignment of open pledges. */
export async function pledgeSuggestion(orgId: string): Promise<Suggestion> {
  const r = await get<Partial<Suggestion>>(`/orgs/${enc(orgId)}/pledge-suggestion`)
  return { assignments: r.assignments ?? [], unfilled: r.unfilled ?? [] }
}

/** ApplyResult is the answer of applying a suggestion: assignments that moved items, and the pledges written. */
export interface ApplyResult {
  applied: number
  pledges: Pledge[]
}

/**
 * applySuggestion performs the suggestion as shown (POST
 * /orgs/{id}/pledge-suggestion/apply): the server refuses it (409) when the
 * suggestion changed meanwhile, and applying again once done moves nothing.
 */
export async function applySuggestion(orgId: string, assignments: readonly Assignment[]): Promise<ApplyResult> {
  const r = await post<Partial<ApplyResult>>(`/orgs/${enc(orgId)}/pledge-suggestion/apply`, { assignments })
  return { applied: r.applied ?? 0, pledges: r.pledges ?? [] }
}

/** movingCount is how many assignments of a suggestion move items to another line. */
export function movingCount(s: Suggestion | null): number {
  return s ? s.assignments.filter((a) => a.moves).length : 0
}

/** markReceived records that the goods arrived at the organisation. */
export function markReceived(id: string, note = ''): Promise<Pledge> {
  return post<Pledge>(`/pledges/${enc(id)}/receive`, note ? { note } : {})
}

/** markDelivered records the delivery with its photo. */
export function markDelivered(id: string, input: DeliveryInput): Promise<Pledge> {
  return post<Pledge>(`/pledges/${enc(id)}/deliver`, input)
}

/** photoURL is where the delivery photo of a pledge is served. */
export function photoURL(id: string): string {
  return `${API_BASE}/pledges/${enc(id)}/photo`
}

/** uploadPhoto sends a delivery photo to POST /uploads (multipart; EXIF is stripped there). */
export async function uploadPhoto(file: File): Promise<PhotoUpload> {
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
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  if (!res.ok) throw new ApiError(res.status, body && typeof body === 'object' ? (body as Problem) : { status: res.status })
  return body as PhotoUpload
}
