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

/** Township is a township centroid of a county (GET /counties). */
export interface Township {
  code: string
  name: string
}

/** County is an entry of GET /counties. */
export interface County {
  code: string
  name: string
  city?: string
  townships?: Township[]
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

/** NeedKind is the kind of a need. */
export type NeedKind = 'pairing' | 'in_kind' | 'funding'

export const NEED_KINDS: readonly NeedKind[] = ['pairing', 'in_kind', 'funding']

/** NEED_CATEGORIES lists the categories of each kind (matching/need.go Categories). */
export const NEED_CATEGORIES: Record<NeedKind, readonly string[]> = {
  pairing: ['tutoring', 'companionship', 'psychological'],
  in_kind: ['winter_clothing', 'shoes', 'school_supplies', 'books', 'other_goods'],
  funding: ['scholarship', 'living_allowance', 'medical', 'general'],
}

/** SUBJECTS a tutoring need may ask for (matching/need.go Subjects). */
export const SUBJECTS: readonly string[] = [
  'chinese',
  'math',
  'english',
  'physics',
  'chemistry',
  'biology',
  'history',
  'geography',
  'politics',
  'science',
  'art',
  'music',
  'pe',
  'it',
]

/** ITEM_TYPES an in-kind need may list (matching/need.go ItemTypes). */
export const ITEM_TYPES: readonly string[] = [
  'winter_coat',
  'shoes',
  'school_bag',
  'stationery',
  'books',
  'quilt',
  'sportswear',
  'other',
]

/** LANGUAGES offered in the need editor: language tags as the API stores them. */
export const LANGUAGES: readonly string[] = ['zh', 'zh-yue', 'zh-wuu', 'zh-hak', 'zh-nan', 'zh-hsn', 'zh-gan', 'en', 'csl']

export type NeedMode = 'online' | 'in_person' | 'either'

export const NEED_MODES: readonly NeedMode[] = ['online', 'in_person', 'either']

export type NeedStatus =
  | 'draft'
  | 'in_review'
  | 'published'
  | 'partially_fulfilled'
  | 'fulfilled'
  | 'closed'
  | 'withdrawn'

/** PUBLIC_STATUSES are the statuses in which a need is visible to the public. */
export const PUBLIC_STATUSES: readonly NeedStatus[] = ['published', 'partially_fulfilled', 'fulfilled']

export type NeedAction = 'submit' | 'approve' | 'reject' | 'withdraw' | 'close'

/** Band is an inclusive range: ages in years, or grades 1–12. */
export interface Band {
  min: number
  max: number
}

/** Slot is a weekly time window; day 1 = Monday … 7 = Sunday; times "HH:MM". */
export interface Slot {
  day: number
  start: string
  end: string
}

/** NeedItem is one line of an in-kind need. */
export interface NeedItem {
  type: string
  size: string
  count: number
  note?: string
  pledged?: number
  delivered?: number
}

export interface Safeguarding {
  female_volunteer: boolean
  public_venue_only: boolean
}

export interface NeedProgress {
  pairings_made: number
  items_pledged: number
  items_delivered: number
  raised_fen: number
  spent_fen: number
}

/** Transition is one recorded status change of a need. */
export interface Transition {
  from: string
  to: string
  by: string
  at: string
  note?: string
}

/**
 * Need is GET /needs/{id}: the public projection for the public, in full
 * (case_ref, internal_notes, history, created_by) for its organisation's staff.
 */
export interface Need {
  id: string
  org_id: string
  org_name: string
  kind: NeedKind
  category: string
  title: string
  narrative: string
  county_code: string
  county_name: string
  township_code?: string
  age_band: Band
  grade_band?: Band | null
  children: number
  subjects?: string[]
  schedule?: Slot[]
  mode: NeedMode
  languages?: string[]
  safeguarding?: Safeguarding
  volunteers_wanted?: number
  items?: NeedItem[]
  target_fen?: number
  per_beneficiary_fen?: number
  urgency: number
  deadline?: string
  status: NeedStatus
  progress: NeedProgress
  case_ref?: string
  internal_notes?: string
  history?: Transition[]
  created_by?: string
  created_at?: string
  updated_at?: string
  published_at?: string | null
  version: number
}

/** NeedInput is the body of POST /orgs/{id}/needs and PATCH /needs/{id}. */
export interface NeedInput {
  kind?: NeedKind
  category: string
  title: string
  narrative: string
  county_code: string
  township_code: string
  age_band: Band
  grade_band?: Band
  children: number
  subjects: string[]
  schedule: Slot[]
  mode: NeedMode
  languages: string[]
  safeguarding: Safeguarding
  volunteers_wanted: number
  items: { type: string; size: string; count: number; note: string }[]
  target_fen: number
  per_beneficiary_fen: number
  urgency: number
  deadline: string
  case_ref: string
  internal_notes: string
}

/** NeedDoc is a public search document of GET /needs. */
export interface NeedDoc {
  id: string
  title: string
  narrative: string
  tags?: string[]
  org_id?: string
  org_name: string
  county_name: string
  county_code: string
  kind: NeedKind
  category: string
  /** age_band is "9-11". */
  age_band: string
  /** grade_band is "3-5", or "" when the need has none. */
  grade_band: string
  status: NeedStatus
  mode: NeedMode
  online: 'yes' | 'no'
  subjects: string[]
  urgency: number
  /** published_at is in Unix seconds. */
  published_at: number
  children: number
  deadline: string
  target_fen: number
  raised_fen: number
  volunteers_wanted: number
  pairings_made: number
}

export interface FacetCount {
  value: string
  count: number
}

/** FACET_FIELDS are the facets GET /needs counts, in the order the filters show them. */
export const FACET_FIELDS = ['kind', 'category', 'county_code', 'age_band', 'online', 'status'] as const
export type FacetField = (typeof FACET_FIELDS)[number]

export interface NeedSearchResult {
  items: NeedDoc[]
  total: number
  facets: Partial<Record<FacetField, FacetCount[]>>
  next_cursor: string
}

/**
 * Finding is one piece of personal data the PII screen found. start_u16 and
 * end_u16 are UTF-16 offsets, i.e. JavaScript string indices, end exclusive.
 */
export interface Finding {
  kind: string
  start: number
  end: number
  start_u16: number
  end_u16: number
  excerpt: string
  message_en: string
  message_zh: string
}

/** FieldFinding is an entry of a 422 problem's details: a finding in a named field. */
export interface FieldFinding extends Finding {
  field: string
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
  /** details carries extra data, e.g. the PII findings (FieldFinding[]) of a 422. */
  details?: unknown
}
