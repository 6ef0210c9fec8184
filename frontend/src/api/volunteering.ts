import { ApiError, get, request } from './client'
import type { Band, Need, Page, Slot } from './types'
import type { Score } from '@/utils/volunteering'

/** Verification says whether a volunteer may meet children, and what is missing. */
export interface Verification {
  verified: boolean
  missing: string[]
  expired: string[]
  failed: string[]
  expires_on?: string
}

/** VolunteerProfile is GET /volunteer/profile. */
export interface VolunteerProfile {
  id: string
  display_name: string
  gender: string
  subjects: string[] | null
  grades?: Band | null
  skills: string[] | null
  languages: string[] | null
  availability: Slot[] | null
  county_code: string
  township_code: string
  travel_km: number
  modes: string[] | null
  capacity: number
  preferred_kinds: string[] | null
  active_pairings: number
  version: number
  verification: Verification
}

/** ProfileInput is the body of PUT /volunteer/profile. */
export interface ProfileInput {
  gender: string
  subjects: string[]
  grades: Band
  skills: string[]
  languages: string[]
  availability: Slot[]
  county_code: string
  township_code: string
  travel_km: number
  modes: string[]
  capacity: number
  preferred_kinds: string[]
}

/** ProfileWithTag is a profile and the entity tag to send back ("0" when none was saved yet). */
export interface ProfileWithTag {
  profile: VolunteerProfile | null
  etag: string
}

/** getProfile returns the caller's profile; a 404 means none was saved yet. */
export async function getProfile(): Promise<ProfileWithTag> {
  try {
    const r = await request<VolunteerProfile>('/volunteer/profile')
    return { profile: r.data, etag: r.headers.get('ETag') ?? `"${r.data.version}"` }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { profile: null, etag: '"0"' }
    throw err
  }
}

/** saveProfile creates or replaces the caller's profile. */
export async function saveProfile(etag: string, input: ProfileInput): Promise<ProfileWithTag> {
  const r = await request<VolunteerProfile>('/volunteer/profile', { method: 'PUT', body: input, ifMatch: etag })
  return { profile: r.data, etag: r.headers.get('ETag') ?? `"${r.data.version}"` }
}

/** Recommendation is a need recommended to a volunteer, with the why. */
export interface Recommendation {
  need: Need
  score: Score
}

/** recommendations calls GET /volunteer/recommendations. */
export async function recommendations(k = 10): Promise<{ items: Recommendation[]; verification: Verification }> {
  const r = await get<{ items: Recommendation[] | null; verification: Verification }>(`/volunteer/recommendations?k=${k}`)
  return { items: r.items ?? [], verification: r.verification }
}

/** Transition is a step of a pairing's history. */
export interface PairingTransition {
  from?: string
  to: string
  at: string
  by?: string
  reason?: string
}

/** Pairing links a volunteer to a pairing need. */
export interface Pairing {
  id: string
  need_id: string
  need_title: string
  org_id: string
  volunteer_id: string
  volunteer_name: string
  status: string
  source: string
  score?: Score
  override?: string
  end_reason?: string
  last_log_date?: string
  history: PairingTransition[] | null
  created_at: string
  updated_at: string
  version: number
  /** overdue and volunteer_verified come with the organisation's list. */
  overdue?: boolean
  volunteer_verified?: boolean
}

/** signUp asks to be paired with a need (a proposal the volunteer has already accepted or a new proposal). */
export async function signUp(needId: string): Promise<Pairing> {
  return (await request<Pairing>(`/needs/${encodeURIComponent(needId)}/signup`, { method: 'POST' })).data
}

/** myPairings lists the caller's pairings. */
export async function myPairings(): Promise<Pairing[]> {
  return (await get<{ items: Pairing[] | null }>('/volunteer/pairings')).items ?? []
}

/** orgPairings lists an organisation's pairings, optionally of one status. */
export async function orgPairings(orgId: string, status = ''): Promise<Pairing[]> {
  const q = status ? `?status=${encodeURIComponent(status)}` : ''
  return (await get<{ items: Pairing[] | null }>(`/orgs/${encodeURIComponent(orgId)}/pairings${q}`)).items ?? []
}

export type PairingAction = 'accept' | 'decline' | 'approve' | 'end'

/** pairingAction moves a pairing along its lifecycle; the version guards against a stale page. */
export async function pairingAction(p: Pick<Pairing, 'id' | 'version'>, action: PairingAction, reason = ''): Promise<Pairing> {
  return (
    await request<Pairing>(`/pairings/${encodeURIComponent(p.id)}/actions`, {
      method: 'POST',
      body: { action, reason },
      ifMatch: `"${p.version}"`,
    })
  ).data
}

/** StaffComment is a supervisor's comment on a session log. */
export interface StaffComment {
  by: string
  at: string
  text: string
}

/** SessionLog is one logged session. */
export interface SessionLog {
  id: string
  pairing_id: string
  date: string
  minutes: number
  kind: string
  mode: string
  note: string
  comments: StaffComment[] | null
  /** confirmed: staff confirmed the session, so it counts as volunteer hours. */
  confirmed?: boolean
  confirmed_by?: string
  confirmed_at?: string
  created_at: string
}

/** LogInput is the body of POST /pairings/{id}/logs. */
export interface LogInput {
  date: string
  minutes: number
  kind: string
  mode: string
  note: string
}

export async function listLogs(pairingId: string): Promise<SessionLog[]> {
  return (await get<{ items: SessionLog[] | null }>(`/pairings/${encodeURIComponent(pairingId)}/logs`)).items ?? []
}

export async function addLog(pairingId: string, input: LogInput): Promise<SessionLog> {
  return (await request<SessionLog>(`/pairings/${encodeURIComponent(pairingId)}/logs`, { method: 'POST', body: input })).data
}

export async function commentLog(pairingId: string, logId: string, text: string): Promise<SessionLog> {
  return (
    await request<SessionLog>(`/pairings/${encodeURIComponent(pairingId)}/logs/${encodeURIComponent(logId)}/comments`, {
      method: 'POST',
      body: { text },
    })
  ).data
}

/** confirmLog confirms a session log as volunteer hours (staff; confirming twice is harmless). */
export async function confirmLog(pairingId: string, logId: string): Promise<SessionLog> {
  return (
    await request<SessionLog>(`/pairings/${encodeURIComponent(pairingId)}/logs/${encodeURIComponent(logId)}/confirm`, {
      method: 'POST',
    })
  ).data
}

/** PublicVolunteer is a volunteer as staff see them in lists (no contact data). */
export interface PublicVolunteer {
  id: string
  display_name: string
  county_code: string
  subjects: string[] | null
  skills?: string[] | null
}

/** QueueItem is a volunteer awaiting verification. */
export interface QueueItem {
  volunteer: PublicVolunteer
  verification: Verification
}

export async function verificationQueue(cursor: string | null): Promise<Page<QueueItem>> {
  const r = await get<Page<QueueItem>>(`/verification/queue${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)
  return { items: r.items ?? [], next_cursor: r.next_cursor ?? '' }
}

/** CheckInput is the body of POST /volunteers/{id}/checks. */
export interface CheckInput {
  kind: string
  passed: boolean
  date: string
  expires: string
  org_id: string
  note: string
}

export async function recordCheck(volunteerId: string, input: CheckInput): Promise<unknown> {
  return (await request<unknown>(`/volunteers/${encodeURIComponent(volunteerId)}/checks`, { method: 'POST', body: input })).data
}

/** Proposal is one pair of a matching run. */
export interface Proposal {
  need_id: string
  need_title: string
  volunteer: PublicVolunteer
  score: Score
  pairing_id?: string
  error?: string
}

/** MatchingRun is the answer of POST /orgs/{id}/matching/runs. */
export interface MatchingRun {
  needs: number
  volunteers: number
  edges: number
  total: number
  proposals: Proposal[] | null
  /** unfilled maps need IDs to places left unfilled. */
  unfilled?: Record<string, number> | null
}

export interface MatchingInput {
  need_ids: string[]
  fairness: 'none' | 'waiting'
  dry_run: boolean
}

export async function runMatching(orgId: string, input: MatchingInput): Promise<MatchingRun> {
  return (await request<MatchingRun>(`/orgs/${encodeURIComponent(orgId)}/matching/runs`, { method: 'POST', body: input })).data
}

/** publishedNeeds lists an organisation's published needs (first 100). */
export async function publishedNeeds(orgId: string): Promise<Need[]> {
  return (await get<Page<Need>>(`/orgs/${encodeURIComponent(orgId)}/needs?status=published&limit=100`)).items ?? []
}

/** Candidate is a volunteer ranked for a pairing need, with the why. */
export interface Candidate {
  volunteer: PublicVolunteer & { verification?: Verification }
  score: Score
}

/** needCandidates calls GET /needs/{id}/candidates: the best k eligible volunteers, best first (staff of the need's organisation). */
export async function needCandidates(needId: string, k = 10): Promise<Candidate[]> {
  return (await get<{ items: Candidate[] | null }>(`/needs/${encodeURIComponent(needId)}/candidates?k=${k}`)).items ?? []
}

/**
 * proposePairing proposes a volunteer for a need (staff). override is the
 * reason, required unless the volunteer is the top candidate.
 */
export async function proposePairing(needId: string, volunteerId: string, override = ''): Promise<Pairing> {
  const body: { volunteer_id: string; override?: string } = { volunteer_id: volunteerId }
  if (override.trim()) body.override = override.trim()
  return (await request<Pairing>(`/needs/${encodeURIComponent(needId)}/pairings`, { method: 'POST', body })).data
}
