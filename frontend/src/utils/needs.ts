/**
 * Pure rules of the needs pages: search filters and their query strings,
 * facet options, weekly slots, the editor's form and its checks, and which
 * lifecycle actions a user may take.
 */
import {
  FACET_FIELDS,
  NEED_CATEGORIES,
  PUBLIC_STATUSES,
  SUBJECTS,
  type Band,
  type FacetCount,
  type FacetField,
  type Need,
  type NeedAction,
  type NeedInput,
  type NeedKind,
  type NeedMode,
  type NeedStatus,
  type Slot,
  type User,
} from '@/api/types'
import { fenToYuanInput, parseYuan } from './money'
import { characterCount } from './login'

// ---------------------------------------------------------------------------
// Search filters

export const SORTS = ['relevance', 'urgency', 'newest'] as const
export type NeedSort = (typeof SORTS)[number]

/** NeedFilters is the state of the public needs search; each list holds alternatives. */
export type NeedFilters = { q: string; sort: NeedSort } & Record<FacetField, string[]>

/** PAGE_SIZE is the number of needs loaded per page of the public list. */
export const PAGE_SIZE = 12

/** Q_MAX is the longest search text the API accepts. */
export const Q_MAX = 100

export function emptyFilters(): NeedFilters {
  return { q: '', sort: 'relevance', kind: [], category: [], county_code: [], age_band: [], online: [], status: [] }
}

type QueryValue = string | null | undefined | (string | null)[]

function firstString(v: QueryValue): string {
  const x = Array.isArray(v) ? v[0] : v
  return typeof x === 'string' ? x : ''
}

function splitValues(v: QueryValue): string[] {
  const all = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string')
  const out: string[] = []
  for (const part of all.flatMap((x) => x.split(','))) {
    const p = part.trim()
    if (p && !out.includes(p)) out.push(p)
  }
  return out
}

/** filtersFromQuery reads the filters from a route query (?q=…&kind=pairing,in_kind&sort=newest). */
export function filtersFromQuery(query: Record<string, QueryValue>): NeedFilters {
  const f = emptyFilters()
  f.q = firstString(query.q).trim().slice(0, Q_MAX)
  const sort = firstString(query.sort)
  if ((SORTS as readonly string[]).includes(sort)) f.sort = sort as NeedSort
  for (const field of FACET_FIELDS) f[field] = splitValues(query[field])
  return f
}

/** filtersToRouteQuery is the route query for filters: empty values and the default sort are left out. */
export function filtersToRouteQuery(f: NeedFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.q.trim()) out.q = f.q.trim()
  for (const field of FACET_FIELDS) if (f[field].length > 0) out[field] = f[field].join(',')
  if (f.sort !== 'relevance') out.sort = f.sort
  return out
}

export interface NeedsQueryOptions {
  cursor?: string | null
  limit?: number
  /** without leaves one facet's filter out, to count that facet's alternatives. */
  without?: FacetField
}

/** needsQuery builds the query string of GET /needs (without the leading "?"). */
export function needsQuery(f: NeedFilters, opts: NeedsQueryOptions = {}): string {
  const q = new URLSearchParams()
  if (f.q.trim()) q.set('q', f.q.trim())
  for (const field of FACET_FIELDS) {
    if (field === opts.without || f[field].length === 0) continue
    q.set(field, f[field].join(','))
  }
  q.set('sort', f.sort)
  if (opts.cursor) q.set('cursor', opts.cursor)
  q.set('limit', String(opts.limit ?? PAGE_SIZE))
  return q.toString()
}

/**
 * facetCountQueries lists, for each facet with a filter set, the query that
 * counts that facet's options with its own filter left out, so that every
 * alternative shows how many needs it would add.
 */
export function facetCountQueries(f: NeedFilters): { field: FacetField; query: string }[] {
  return FACET_FIELDS.filter((field) => f[field].length > 0).map((field) => ({
    field,
    query: needsQuery(f, { without: field, limit: 1 }),
  }))
}

/** toggleFilter adds a value to a facet's alternatives, or removes it if present. */
export function toggleFilter(f: NeedFilters, field: FacetField, value: string): NeedFilters {
  const list = f[field]
  return { ...f, [field]: list.includes(value) ? list.filter((v) => v !== value) : [...list, value] }
}

/** activeFilterCount counts the chosen facet values. */
export function activeFilterCount(f: NeedFilters): number {
  return FACET_FIELDS.reduce((n, field) => n + f[field].length, 0)
}

/** parseBand reads "9-11" as {min: 9, max: 11}; null when malformed. */
export function parseBand(s: string): Band | null {
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(s.trim())
  if (!m) return null
  return { min: Number(m[1]), max: Number(m[2]) }
}

/**
 * facetOptions lists the options of a facet: every counted value plus the
 * chosen ones the counts lack (count 0). Age bands sort by age, the rest by
 * count (then value).
 */
export function facetOptions(field: FacetField, counts: readonly FacetCount[] | undefined, chosen: readonly string[]): FacetCount[] {
  const out = (counts ?? []).filter((c) => c && typeof c.value === 'string' && c.value !== '').map((c) => ({ ...c }))
  for (const v of chosen) if (!out.some((c) => c.value === v)) out.push({ value: v, count: 0 })
  if (field === 'age_band') {
    const key = (v: string) => parseBand(v) ?? { min: Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }
    return out.sort((a, b) => key(a.value).min - key(b.value).min || key(a.value).max - key(b.value).max)
  }
  return out.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
}

// ---------------------------------------------------------------------------
// Weekly slots

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/** formatSlot renders a weekly slot as "周六 09:00–11:00"; dayName names day 1 (Monday) … 7 (Sunday). */
export function formatSlot(slot: Slot, dayName: (day: number) => string): string {
  return `${dayName(slot.day)} ${slot.start}–${slot.end}`
}

/** sortSlots orders slots by day, then start time. */
export function sortSlots(slots: readonly Slot[]): Slot[] {
  return [...slots].sort((a, b) => a.day - b.day || a.start.localeCompare(b.start) || a.end.localeCompare(b.end))
}

/** slotValid checks a slot as the API does: day 1–7, HH:MM times, start before end. */
export function slotValid(slot: Slot): boolean {
  return Number.isInteger(slot.day) && slot.day >= 1 && slot.day <= 7 && HHMM.test(slot.start) && HHMM.test(slot.end) && slot.start < slot.end
}

// ---------------------------------------------------------------------------
// The editor's form

export interface ItemLine {
  type: string
  size: string
  count: number | null
  note: string
}

/** NeedForm is the editor's state; amounts are the yuan texts typed. */
export interface NeedForm {
  kind: NeedKind
  category: string
  title: string
  narrative: string
  county_code: string
  township_code: string
  age_min: number | null
  age_max: number | null
  grade_min: number | null
  grade_max: number | null
  children: number | null
  subjects: string[]
  schedule: Slot[]
  mode: NeedMode
  languages: string[]
  female_volunteer: boolean
  public_venue_only: boolean
  volunteers_wanted: number | null
  items: ItemLine[]
  target_yuan: string
  per_beneficiary_yuan: string
  urgency: number
  deadline: string
  case_ref: string
  internal_notes: string
}

export const TITLE_MIN = 4
export const TITLE_MAX = 60
export const NARRATIVE_MIN = 10
export const NARRATIVE_MAX = 2000
export const NOTES_MAX = 2000
export const ITEM_NOTE_MAX = 200
export const ITEM_SIZE_MAX = 20
export const SLOTS_MAX = 21
export const ITEMS_MAX = 50
const CASE_REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/

export function emptyItemLine(): ItemLine {
  return { type: '', size: '', count: null, note: '' }
}

/** emptyNeedForm is a new need of a kind in a county. */
export function emptyNeedForm(kind: NeedKind = 'pairing', countyCode = ''): NeedForm {
  return {
    kind,
    category: '',
    title: '',
    narrative: '',
    county_code: countyCode,
    township_code: '',
    age_min: null,
    age_max: null,
    grade_min: null,
    grade_max: null,
    children: 1,
    subjects: [],
    schedule: [],
    mode: kind === 'pairing' ? 'either' : 'in_person',
    languages: [],
    female_volunteer: false,
    public_venue_only: false,
    volunteers_wanted: 1,
    items: kind === 'in_kind' ? [emptyItemLine()] : [],
    target_yuan: '',
    per_beneficiary_yuan: '',
    urgency: 3,
    deadline: '',
    case_ref: '',
    internal_notes: '',
  }
}

/** formFromNeed loads a need into the editor. */
export function formFromNeed(n: Need): NeedForm {
  const f = emptyNeedForm(n.kind, n.county_code)
  return {
    ...f,
    category: n.category,
    title: n.title,
    narrative: n.narrative,
    township_code: n.township_code ?? '',
    age_min: n.age_band.min,
    age_max: n.age_band.max,
    grade_min: n.grade_band ? n.grade_band.min : null,
    grade_max: n.grade_band ? n.grade_band.max : null,
    children: n.children,
    subjects: [...(n.subjects ?? [])],
    schedule: (n.schedule ?? []).map((s) => ({ ...s })),
    mode: n.mode,
    languages: [...(n.languages ?? [])],
    female_volunteer: n.safeguarding?.female_volunteer ?? false,
    public_venue_only: n.safeguarding?.public_venue_only ?? false,
    volunteers_wanted: n.kind === 'pairing' ? (n.volunteers_wanted ?? 1) : 1,
    items: (n.items ?? []).map((it) => ({ type: it.type, size: it.size, count: it.count, note: it.note ?? '' })),
    target_yuan: n.target_fen ? fenToYuanInput(n.target_fen) : '',
    per_beneficiary_yuan: n.per_beneficiary_fen ? fenToYuanInput(n.per_beneficiary_fen) : '',
    urgency: n.urgency,
    deadline: n.deadline ?? '',
    case_ref: n.case_ref ?? '',
    internal_notes: n.internal_notes ?? '',
  }
}

/** FormError is a problem with one field: an i18n key under needForm.errors and its parameters. */
export interface FormError {
  key: string
  params?: Record<string, number | string>
}

function isIntIn(v: number | null, min: number, max: number): v is number {
  return v !== null && Number.isInteger(v) && v >= min && v <= max
}

/**
 * validateNeedForm applies the API's rules (matching/need.go Validate) in
 * the editor, by field name as the API names fields ("items[0].count").
 * The PII screen is left to the server.
 */
export function validateNeedForm(f: NeedForm): Record<string, FormError> {
  const e: Record<string, FormError> = {}
  if (!NEED_CATEGORIES[f.kind].includes(f.category)) e.category = { key: 'chooseCategory' }
  const tl = characterCount(f.title.trim())
  if (tl < TITLE_MIN || tl > TITLE_MAX) e.title = { key: 'length', params: { min: TITLE_MIN, max: TITLE_MAX } }
  const nl = characterCount(f.narrative.trim())
  if (nl < NARRATIVE_MIN || nl > NARRATIVE_MAX) e.narrative = { key: 'length', params: { min: NARRATIVE_MIN, max: NARRATIVE_MAX } }
  if (!/^\d{6}$/.test(f.county_code)) e.county_code = { key: 'chooseCounty' }
  if (!isIntIn(f.age_min, 0, 18) || !isIntIn(f.age_max, 0, 18) || f.age_max - f.age_min < 2 || f.age_max - f.age_min > 6) {
    e.age_band = { key: 'ageBand' }
  }
  const hasGrade = f.grade_min !== null || f.grade_max !== null
  if (hasGrade && (!isIntIn(f.grade_min, 1, 12) || !isIntIn(f.grade_max, 1, 12) || f.grade_min > f.grade_max)) {
    e.grade_band = { key: 'gradeBand' }
  }
  if (!isIntIn(f.children, 1, 500)) e.children = { key: 'range', params: { min: 1, max: 500 } }
  if (characterCount(f.internal_notes.trim()) > NOTES_MAX) e.internal_notes = { key: 'maxLength', params: { max: NOTES_MAX } }
  if (f.case_ref.trim() !== '' && !CASE_REF.test(f.case_ref.trim())) e.case_ref = { key: 'caseRef' }
  if (f.deadline !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(f.deadline)) e.deadline = { key: 'date' }
  if (!isIntIn(f.urgency, 1, 5)) e.urgency = { key: 'range', params: { min: 1, max: 5 } }
  switch (f.kind) {
    case 'pairing': {
      if (!isIntIn(f.volunteers_wanted, 1, 20)) e.volunteers_wanted = { key: 'range', params: { min: 1, max: 20 } }
      if (f.category === 'tutoring') {
        if (f.subjects.length === 0) e.subjects = { key: 'subjects' }
        if (!hasGrade) e.grade_band = { key: 'gradeRequired' }
      }
      if (f.subjects.some((s) => !SUBJECTS.includes(s))) e.subjects = { key: 'subjects' }
      if (f.schedule.length > SLOTS_MAX) e.schedule = { key: 'maxSlots', params: { max: SLOTS_MAX } }
      f.schedule.forEach((s, i) => {
        if (!slotValid(s)) e[`schedule[${i}]`] = { key: 'slot' }
      })
      break
    }
    case 'in_kind': {
      if (f.items.length < 1 || f.items.length > ITEMS_MAX) e.items = { key: 'itemLines', params: { max: ITEMS_MAX } }
      f.items.forEach((it, i) => {
        if (it.type === '') e[`items[${i}].type`] = { key: 'chooseItemType' }
        if (characterCount(it.size.trim()) > ITEM_SIZE_MAX) e[`items[${i}].size`] = { key: 'maxLength', params: { max: ITEM_SIZE_MAX } }
        if (!isIntIn(it.count, 1, 10000)) e[`items[${i}].count`] = { key: 'range', params: { min: 1, max: 10000 } }
        if (characterCount(it.note.trim()) > ITEM_NOTE_MAX) e[`items[${i}].note`] = { key: 'maxLength', params: { max: ITEM_NOTE_MAX } }
      })
      break
    }
    case 'funding': {
      const target = parseYuan(f.target_yuan)
      if (target === null) e.target_fen = { key: 'amount' }
      else if (target < 100 || target > 100_000_000_00) e.target_fen = { key: 'targetRange' }
      if (f.per_beneficiary_yuan.trim() !== '') {
        const per = parseYuan(f.per_beneficiary_yuan)
        if (per === null) e.per_beneficiary_fen = { key: 'amount' }
        else if (target !== null && per > target) e.per_beneficiary_fen = { key: 'perBeneficiary' }
      }
      break
    }
  }
  return e
}

/**
 * buildNeedInput turns a checked form into the API body. Fields of other
 * kinds are sent empty (the API refuses items on a pairing need, a target
 * on an in-kind need, …); `kind` is sent only when creating.
 */
export function buildNeedInput(f: NeedForm, creating: boolean): NeedInput {
  const pairing = f.kind === 'pairing'
  const input: NeedInput = {
    category: f.category,
    title: f.title.trim(),
    narrative: f.narrative.trim(),
    county_code: f.county_code,
    township_code: f.township_code,
    age_band: { min: f.age_min ?? 0, max: f.age_max ?? 0 },
    children: f.children ?? 0,
    subjects: pairing ? [...f.subjects] : [],
    schedule: pairing ? sortSlots(f.schedule) : [],
    mode: f.mode,
    languages: pairing ? [...f.languages] : [],
    safeguarding: pairing
      ? { female_volunteer: f.female_volunteer, public_venue_only: f.public_venue_only }
      : { female_volunteer: false, public_venue_only: false },
    volunteers_wanted: pairing ? (f.volunteers_wanted ?? 0) : 0,
    items:
      f.kind === 'in_kind'
        ? f.items.map((it) => ({ type: it.type, size: it.size.trim(), count: it.count ?? 0, note: it.note.trim() }))
        : [],
    target_fen: f.kind === 'funding' ? (parseYuan(f.target_yuan) ?? 0) : 0,
    per_beneficiary_fen: f.kind === 'funding' && f.per_beneficiary_yuan.trim() !== '' ? (parseYuan(f.per_beneficiary_yuan) ?? 0) : 0,
    urgency: f.urgency,
    deadline: f.deadline,
    case_ref: f.case_ref.trim(),
    internal_notes: f.internal_notes.trim(),
  }
  if (f.grade_min !== null && f.grade_max !== null) input.grade_band = { min: f.grade_min, max: f.grade_max }
  if (creating) input.kind = f.kind
  return input
}

/** publicTexts lists the texts of a form the PII screen checks, named as the API names them. */
export function publicTexts(f: NeedForm): Record<string, string> {
  const out: Record<string, string> = { title: f.title.trim(), narrative: f.narrative.trim() }
  if (f.kind === 'in_kind') {
    f.items.forEach((it, i) => {
      out[`items[${i}].note`] = it.note.trim()
      out[`items[${i}].size`] = it.size.trim()
    })
  }
  return out
}

export interface PreviewContext {
  id: string
  orgId: string
  orgName: string
  countyName: string
  status: NeedStatus
  progress?: Need['progress']
  items?: Need['items']
  publishedAt?: string | null
}

/**
 * previewNeed is the need as the public will see it once published: the
 * public fields of the form only — never the case reference or internal
 * notes. Pledged and delivered counts come from the stored need, if any.
 */
export function previewNeed(f: NeedForm, ctx: PreviewContext): Need {
  const input = buildNeedInput(f, false)
  const stored = ctx.items ?? []
  return {
    id: ctx.id,
    org_id: ctx.orgId,
    org_name: ctx.orgName,
    kind: f.kind,
    category: input.category,
    title: input.title,
    narrative: input.narrative,
    county_code: input.county_code,
    county_name: ctx.countyName,
    township_code: input.township_code || undefined,
    age_band: input.age_band,
    grade_band: input.grade_band ?? null,
    children: input.children,
    subjects: input.subjects,
    schedule: input.schedule,
    mode: input.mode,
    languages: input.languages,
    safeguarding: input.safeguarding,
    volunteers_wanted: input.volunteers_wanted,
    items: input.items.map((it, i) => ({ ...it, pledged: stored[i]?.pledged ?? 0, delivered: stored[i]?.delivered ?? 0 })),
    target_fen: input.target_fen,
    per_beneficiary_fen: input.per_beneficiary_fen,
    urgency: input.urgency,
    deadline: input.deadline,
    status: ctx.status,
    progress: ctx.progress ?? { pairings_made: 0, items_pledged: 0, items_delivered: 0, raised_fen: 0, spent_fen: 0 },
    published_at: ctx.publishedAt ?? null,
    version: 0,
  }
}

// ---------------------------------------------------------------------------
// Lifecycle

/** isPublicStatus tells whether a need in this status is visible to the public. */
export function isPublicStatus(status: string): boolean {
  return (PUBLIC_STATUSES as readonly string[]).includes(status)
}

const FROM: Record<NeedAction, readonly NeedStatus[]> = {
  submit: ['draft'],
  approve: ['in_review'],
  reject: ['in_review'],
  withdraw: ['draft', 'in_review', 'published', 'partially_fulfilled', 'fulfilled'],
  close: ['published', 'partially_fulfilled', 'fulfilled'],
}

/**
 * allowedActions lists what a user may do with a need now, by the API's
 * rules: any member submits a draft; a reviewer of the organisation who is
 * not the author approves, any of its reviewers sends back; coordinators,
 * reviewers and administrators withdraw and close.
 */
export function allowedActions(need: Pick<Need, 'status' | 'org_id' | 'created_by'>, user: User | null | undefined): NeedAction[] {
  if (!user) return []
  const role = user.memberships.find((m) => m.org_id === need.org_id)?.role
  const admin = user.roles.includes('admin')
  const out: NeedAction[] = []
  for (const action of ['submit', 'approve', 'reject', 'withdraw', 'close'] as const) {
    if (!FROM[action].includes(need.status)) continue
    switch (action) {
      case 'submit':
        if (role) out.push(action)
        break
      case 'approve':
        if (role === 'reviewer' && need.created_by !== user.id) out.push(action)
        break
      case 'reject':
        if (role === 'reviewer') out.push(action)
        break
      case 'withdraw':
      case 'close':
        if (role === 'coordinator' || role === 'reviewer' || admin) out.push(action)
        break
    }
  }
  return out
}

/** isOwnNeedInReview tells a reviewer that the need waiting is their own, so another reviewer must approve it. */
export function isOwnNeedInReview(need: Pick<Need, 'status' | 'org_id' | 'created_by'>, user: User | null | undefined): boolean {
  if (!user || need.status !== 'in_review') return false
  const role = user.memberships.find((m) => m.org_id === need.org_id)?.role
  return role === 'reviewer' && need.created_by === user.id
}
