/** Types of the Tongban HTTP API (base /api/v1). */

/** Role is an account role; the server adds 'staff' to users with any organisation membership. */
export type Role = 'volunteer' | 'donor' | 'admin' | 'staff'
export type SelfRole = Extract<Role, 'volunteer' | 'donor'>
export type OrgRole = 'coordinator' | 'finance' | 'reviewer'
export type OrgType =
  | 'youth_league'
  | 'womens_federation'
  | 'civil_affairs'
  | 'education'
  | 'school'
  | 'ngo'

export const ORG_TYPES: readonly OrgType[] = [
  'youth_league',
  'womens_federation',
  'civil_affairs',
  'education',
  'school',
  'ngo',
]

export interface Membership {
  org_id: string
  org_name: string
  org_type: OrgType
  county_code: string
  role: OrgRole
}

export interface User {
  id: string
  email?: string | null
  phone?: string | null
  display_name: string
  roles: Role[]
  memberships: Membership[]
  created_at: string
  version: number
}

export interface UserEnvelope {
  user: User
}

export interface CampaignSummary {
  id: string
  title: string
  target_fen: number
  raised_fen: number
}

export interface PublicStats {
  organisations: number
  counties: number
  volunteers: number
  donors: number
  campaigns: CampaignSummary[]
}

export interface ApiToken {
  id: string
  name: string
  created_at: string
  last_used_at?: string | null
  prefix: string
}

export interface CreatedToken {
  token: ApiToken
  secret: string
}

export interface Organisation {
  id: string
  name: string
  type: OrgType
  county_code: string
  county_name?: string
}

export interface AdminUser {
  id: string
  email_masked?: string | null
  phone_masked?: string | null
  display_name: string
  roles: Role[]
  memberships: Membership[]
  created_at: string
}

/** County is an entry of GET /counties. */
export interface County {
  code: string
  name: string
  city?: string
}

export interface AuditEntry {
  id: string
  at: string
  kind: string
  actor_id?: string | null
  subject?: string | null
  ip?: string | null
  detail?: unknown
}

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/** FieldError is one entry of a problem's errors[] list. */
export interface FieldError {
  field: string
  reason: string
}

/** Problem is an RFC 9457 problem details body. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  instance?: string
  request_id?: string
  errors?: FieldError[]
}
