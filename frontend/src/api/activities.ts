import { del, get, post, request } from './client'

/** Role is a volunteer role of an activity session. */
export type ActivityRole = 'tutor' | 'companion' | 'logistics'

/** ACTIVITY_ROLES lists the roles in the order the pages show them. */
export const ACTIVITY_ROLES: readonly ActivityRole[] = ['tutor', 'companion', 'logistics']

/** SignupStatus is the state of a volunteer's sign-up. */
export type SignupStatus = 'confirmed' | 'waitlisted' | 'offered' | 'cancelled' | 'declined' | 'expired'

/** Transition is one step of a sign-up's history. */
export interface Transition {
  from?: string
  to: string
  by: string
  at: string
  note?: string
}

/** Signup is a sign-up with its place in line (SignupView of the API). */
export interface Signup {
  id: string
  session_id: string
  activity_id: string
  org_id: string
  volunteer_id: string
  volunteer_name: string
  role: ActivityRole
  status: SignupStatus
  seq: number
  title: string
  venue_name: string
  county_name: string
  start: string
  end: string
  offer_expires?: string
  check_in?: string
  check_out?: string
  /** attendance is "", "attended" or "no_show". */
  attendance: string
  attendance_by?: string
  minutes: number
  hours_confirmed: boolean
  hours_confirmed_at?: string
  history: Transition[] | null
  created_at: string
  updated_at: string
  version: number
  /** position is the 1-based place in the waitlist (0 unless waitlisted). */
  position: number
}

/** Session is one dated occurrence of an activity (SessionView of the API). */
export interface ActivitySession {
  id: string
  activity_id: string
  org_id: string
  org_name: string
  title: string
  require_verified: boolean
  qualification: string
  start: string
  end: string
  venue_name: string
  county_code: string
  county_name: string
  capacity: Record<string, number>
  places_left: Record<string, number>
  signup_deadline: string
  children_expected: number
  children_served?: number
  hours_confirmed_at?: string
  created_at: string
  time_zone: string
  waitlisted: Record<string, number>
  open: boolean
  my_signup?: Signup
}

/** Activity is an organisation's activity with its sessions. */
export interface Activity {
  id: string
  org_id: string
  org_name: string
  title: string
  description: string
  require_verified: boolean
  qualification: string
  status: string
  created_at: string
  updated_at: string
  sessions?: ActivitySession[]
}

/** SessionInput is one session of a new activity. Times are "YYYY-MM-DDTHH:mm" in Asia/Shanghai or RFC 3339. */
export interface SessionInput {
  start: string
  end: string
  venue_name: string
  county_code: string
  capacity: Record<string, number>
  signup_deadline?: string
  children_expected: number
}

/** ActivityInput is the body of POST /orgs/{id}/activities. */
export interface ActivityInput {
  title: string
  description: string
  require_verified: boolean
  qualification: string
  sessions: SessionInput[]
}

/** SearchParams filter GET /activities. */
export interface SearchParams {
  county_code?: string
  from?: string
  to?: string
  role?: string
  org_id?: string
  cursor?: string
  limit?: number
}

/** CheckinCode is what staff show at the venue. */
export interface CheckinCode {
  session_id: string
  code: string
  url: string
  expires_at: string
  window_seconds: number
  qr_png: string
}

/** HoursConfirmation is the answer of POST /activity-sessions/{id}/hours. */
export interface HoursConfirmation {
  session: ActivitySession
  confirmed: number
  no_shows: number
  signups: Signup[]
}

/** HoursEntry is one confirmed activity session or pairing log. */
export interface HoursEntry {
  kind: 'activity' | 'pairing'
  source_id: string
  org_id: string
  org_name: string
  title: string
  date: string
  minutes: number
}

/** HoursRecord is GET /volunteer/hours. */
export interface HoursRecord {
  total_minutes: number
  total_hours: number
  by_org: { org_id: string; org_name: string; minutes: number; hours: number }[]
  items: HoursEntry[]
}

/** CertificateLine is one activity (or pairing) on a certificate. */
export interface CertificateLine {
  kind: string
  title: string
  sessions: number
  minutes: number
  from: string
  to: string
}

/** Certificate is a volunteer-service certificate as its holder sees it. */
export interface Certificate {
  serial: string
  org_id: string
  content: {
    serial: string
    volunteer_name: string
    org_id: string
    org_name: string
    period_from: string
    period_to: string
    total_minutes: number
    activities: CertificateLine[]
    issued_at: string
    verify_url: string
  }
  content_sha256: string
  status: string
  superseded_by?: string
  issued_at: string
}

/** PublicCertificate is what anyone holding a serial sees. */
export interface PublicCertificate {
  serial: string
  volunteer_name_masked: string
  org_name: string
  period_from: string
  period_to: string
  total_minutes: number
  total_hours: number
  activities: CertificateLine[]
  issued_at: string
  status: string
  valid: boolean
  content_sha256: string
  superseded_by?: string
}

/** CalendarToken is a newly made private calendar feed address (shown once). */
export interface CalendarToken {
  token: string
  url: string
}

const enc = encodeURIComponent

function query(params: SearchParams): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

export async function searchSessions(params: SearchParams, signal?: AbortSignal): Promise<{ items: ActivitySession[]; next_cursor: string | null }> {
  return get(`/activities${query(params)}`, signal)
}

export async function getActivity(id: string): Promise<Activity> {
  return get(`/activities/${enc(id)}`)
}

export async function getSession(id: string): Promise<ActivitySession> {
  return get(`/activity-sessions/${enc(id)}`)
}

export async function createActivity(orgId: string, input: ActivityInput): Promise<Activity> {
  return post(`/orgs/${enc(orgId)}/activities`, input)
}

export async function orgActivities(orgId: string): Promise<Activity[]> {
  return (await get<{ items: Activity[] | null }>(`/orgs/${enc(orgId)}/activities`)).items ?? []
}

export async function addSession(activityId: string, input: SessionInput): Promise<ActivitySession> {
  return post(`/activities/${enc(activityId)}/sessions`, input)
}

export async function sessionSignups(sessionId: string): Promise<Signup[]> {
  return (await get<{ items: Signup[] | null }>(`/activity-sessions/${enc(sessionId)}/signups`)).items ?? []
}

export async function checkinCode(sessionId: string): Promise<CheckinCode> {
  return get(`/activity-sessions/${enc(sessionId)}/checkin-code`)
}

export async function confirmHours(sessionId: string, childrenServed: number): Promise<HoursConfirmation> {
  return post(`/activity-sessions/${enc(sessionId)}/hours`, { children_served: childrenServed })
}

export async function markAttendance(
  signupId: string,
  input: { attendance: 'attended' | 'no_show'; check_in?: string; check_out?: string },
): Promise<Signup> {
  return (await request<Signup>(`/activity-signups/${enc(signupId)}/attendance`, { method: 'PUT', body: input })).data
}

export async function signUp(sessionId: string, role: ActivityRole): Promise<Signup> {
  return post(`/activity-sessions/${enc(sessionId)}/signups`, { role })
}

export async function selfCheck(sessionId: string, code: string, out: boolean): Promise<Signup> {
  return post(`/activity-sessions/${enc(sessionId)}/${out ? 'checkout' : 'checkin'}`, { code })
}

export async function signupAction(signupId: string, action: 'cancel' | 'accept' | 'decline', reason = ''): Promise<Signup> {
  return post(`/activity-signups/${enc(signupId)}/actions`, { action, reason })
}

export async function mySignups(): Promise<Signup[]> {
  return (await get<{ items: Signup[] | null }>('/volunteer/signups')).items ?? []
}

export async function myHours(): Promise<HoursRecord> {
  return get('/volunteer/hours')
}

export async function myCertificates(): Promise<Certificate[]> {
  return (await get<{ items: Certificate[] | null }>('/volunteer/certificates')).items ?? []
}

export async function issueCertificate(input: { org_id: string; from?: string; to?: string }): Promise<Certificate> {
  return post('/volunteer/certificates', input)
}

/** certificatePdfUrl is the download address of a certificate's PDF (holder and organisation staff). */
export function certificatePdfUrl(serial: string): string {
  return `/api/v1/certificates/${enc(serial)}/pdf`
}

export async function verifyCertificate(serial: string): Promise<PublicCertificate> {
  return get(`/certificates/${enc(serial)}`)
}

export async function newCalendarToken(): Promise<CalendarToken> {
  return post('/volunteer/calendar-token')
}

export async function revokeCalendarToken(): Promise<void> {
  await del('/volunteer/calendar-token')
}
