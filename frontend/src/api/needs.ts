import { get, request } from './client'
import type { Finding, Need, NeedAction, NeedInput, NeedSearchResult, NeedStatus, Page } from './types'

/** NeedWithTag is a need and the entity tag to send back in If-Match. */
export interface NeedWithTag {
  need: Need
  etag: string
}

function withTag(res: { data: Need; headers: Headers }): NeedWithTag {
  return { need: res.data, etag: res.headers.get('ETag') ?? `"${res.data.version}"` }
}

/** searchNeeds calls GET /needs with a query string built by needsQuery (without the leading "?"). */
export async function searchNeeds(query: string, signal?: AbortSignal): Promise<NeedSearchResult> {
  const r = await get<NeedSearchResult>(`/needs${query ? `?${query}` : ''}`, signal)
  return {
    items: Array.isArray(r.items) ? r.items : [],
    total: typeof r.total === 'number' ? r.total : 0,
    facets: r.facets ?? {},
    next_cursor: r.next_cursor ?? '',
  }
}

/** getNeed returns one need: the public projection, or in full for its organisation's staff. */
export async function getNeed(id: string, signal?: AbortSignal): Promise<NeedWithTag> {
  return withTag(await request<Need>(`/needs/${encodeURIComponent(id)}`, { signal }))
}

/** createNeed drafts a need for an organisation (201, status draft). */
export async function createNeed(orgId: string, input: NeedInput): Promise<NeedWithTag> {
  return withTag(await request<Need>(`/orgs/${encodeURIComponent(orgId)}/needs`, { method: 'POST', body: input }))
}

/** updateNeed edits a draft; etag must be the need's current ETag. */
export async function updateNeed(id: string, etag: string, input: NeedInput): Promise<NeedWithTag> {
  return withTag(await request<Need>(`/needs/${encodeURIComponent(id)}`, { method: 'PATCH', body: input, ifMatch: etag }))
}

/** transitionNeed applies a lifecycle action (submit, approve, reject, withdraw, close). */
export async function transitionNeed(id: string, etag: string, action: NeedAction, note?: string): Promise<NeedWithTag> {
  const body: { action: NeedAction; note?: string } = { action }
  if (note) body.note = note
  return withTag(
    await request<Need>(`/needs/${encodeURIComponent(id)}/transitions`, { method: 'POST', body, ifMatch: etag }),
  )
}

/** listOrgNeeds lists an organisation's needs (any status, or those given), newest first. */
export async function listOrgNeeds(orgId: string, status: readonly NeedStatus[], cursor?: string | null): Promise<Page<Need>> {
  const q = new URLSearchParams()
  if (status.length > 0) q.set('status', status.join(','))
  if (cursor) q.set('cursor', cursor)
  const s = q.toString()
  return get<Page<Need>>(`/orgs/${encodeURIComponent(orgId)}/needs${s ? `?${s}` : ''}`)
}

/** listReviewQueue lists the needs in review in the organisations where the caller is a reviewer. */
export async function listReviewQueue(cursor?: string | null): Promise<Page<Need>> {
  return get<Page<Need>>(`/review/needs${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)
}

/** screenText runs the PII screen on a text; nothing is stored. */
export async function screenText(text: string, signal?: AbortSignal): Promise<Finding[]> {
  const res = await request<{ findings: Finding[] }>('/privacy/screen', { method: 'POST', body: { text }, signal })
  return Array.isArray(res.data?.findings) ? res.data.findings : []
}
