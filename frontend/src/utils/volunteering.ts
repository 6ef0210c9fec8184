import type { Slot } from '@/api/types'

/** SLOTS_PER_DAY is the number of 30-minute slots in a day. */
export const SLOTS_PER_DAY = 48

/** DAYS are the weekdays of the availability grid: 1 = Monday … 7 = Sunday. */
export const DAYS = [1, 2, 3, 4, 5, 6, 7] as const

/** AvailabilityGrid is 7 rows (Monday first) of 48 half-hour cells. */
export type AvailabilityGrid = boolean[][]

/** emptyGrid returns a grid with every cell free. */
export function emptyGrid(): AvailabilityGrid {
  return DAYS.map(() => new Array<boolean>(SLOTS_PER_DAY).fill(false))
}

/** slotTime renders the start of half-hour slot i as "HH:MM" (48 gives "24:00"). */
export function slotTime(i: number): string {
  const h = Math.floor(i / 2)
  return `${String(h).padStart(2, '0')}:${i % 2 === 0 ? '00' : '30'}`
}

/** timeSlot parses "HH:MM" on the hour or half hour into a slot index; NaN when invalid. */
export function timeSlot(s: string): number {
  const m = /^(\d{2}):(00|30)$/.exec(s)
  if (!m) return NaN
  const h = Number(m[1])
  if (h > 24 || (h === 24 && m[2] !== '00')) return NaN
  return h * 2 + (m[2] === '30' ? 1 : 0)
}

/** gridToSlots turns the grid into the API's slots: one per run of marked cells. */
export function gridToSlots(grid: AvailabilityGrid): Slot[] {
  const out: Slot[] = []
  grid.forEach((row, d) => {
    let start = -1
    for (let i = 0; i <= SLOTS_PER_DAY; i++) {
      const on = i < SLOTS_PER_DAY && row[i] === true
      if (on && start < 0) start = i
      if (!on && start >= 0) {
        out.push({ day: d + 1, start: slotTime(start), end: slotTime(i) })
        start = -1
      }
    }
  })
  return out
}

/** slotsToGrid marks the cells of the API's slots; slots with invalid days or times are ignored. */
export function slotsToGrid(slots: readonly Slot[]): AvailabilityGrid {
  const grid = emptyGrid()
  for (const s of slots) {
    const row = grid[s.day - 1]
    const a = timeSlot(s.start)
    const b = timeSlot(s.end)
    if (!row || Number.isNaN(a) || Number.isNaN(b) || a >= b) continue
    for (let i = a; i < b && i < SLOTS_PER_DAY; i++) row[i] = true
  }
  return grid
}

/** paintRange sets every cell of day between two slot indexes (either order) to value, returning a new grid. */
export function paintRange(grid: AvailabilityGrid, day: number, from: number, to: number, value: boolean): AvailabilityGrid {
  const lo = Math.max(0, Math.min(from, to))
  const hi = Math.min(SLOTS_PER_DAY - 1, Math.max(from, to))
  return grid.map((row, d) => (d === day - 1 ? row.map((c, i) => (i >= lo && i <= hi ? value : c)) : row))
}

/** weeklyMinutes is the total time marked in the grid. */
export function weeklyMinutes(grid: AvailabilityGrid): number {
  return grid.reduce((n, row) => n + row.filter(Boolean).length * 30, 0)
}

/** ScoreComponent is one term of a match score with its explanation. */
export interface ScoreComponent {
  name: string
  value: number
  weight: number
  points: number
  zh: string
  en: string
}

/** Score is a match score: its total and its components. */
export interface Score {
  total: number
  components: ScoreComponent[]
}

const COMPONENT_COLORS: Record<string, string> = {
  subject: '#2f6f8f',
  schedule: '#b5651d',
  distance: '#4b7d3a',
  language: '#7b4f9d',
  continuity: '#a23b5a',
  urgency: '#5d6b2f',
  waiting: '#8b5a2b',
}

/** componentColor is the colour of a score component, the same in the score bars and the chart. */
export function componentColor(name: string): string {
  return COMPONENT_COLORS[name] ?? '#5f6b73'
}

/** ScoreBar is one segment of a score bar. */
export interface ScoreBarSegment {
  name: string
  points: number
  /** percent is this segment's share of the bar's full width (the largest possible score), 0–100. */
  percent: number
  sentence: string
}

/**
 * maxPoints is the largest total a score with these components could
 * reach: each component gives value × weight × 100 points with value ≤ 1.
 */
export function maxPoints(score: Score): number {
  return score.components.reduce((n, c) => n + Math.max(0, c.weight) * 100, 0)
}

/**
 * scoreBar turns a score into the segments of a horizontal bar: one per
 * component with positive points, sized against the largest possible total,
 * with the component's sentence in the given locale.
 */
export function scoreBar(score: Score, locale: string): ScoreBarSegment[] {
  const max = maxPoints(score)
  return score.components
    .filter((c) => c.points > 0)
    .map((c) => ({
      name: c.name,
      points: c.points,
      percent: max > 0 ? Math.min(100, (c.points / max) * 100) : 0,
      sentence: explanation(c, locale),
    }))
}

/** explanation is a component's sentence in the locale (English for en, otherwise Chinese). */
export function explanation(c: Pick<ScoreComponent, 'zh' | 'en'>, locale: string): string {
  return locale.startsWith('en') ? c.en || c.zh : c.zh || c.en
}

/** ChartSeries is one stacked series of the score breakdown chart: a component's points per proposal. */
export interface ChartSeries {
  name: string
  data: number[]
}

/** breakdownSeries builds one series per component name across the given scores (0 where a score lacks it). */
export function breakdownSeries(scores: readonly Score[]): ChartSeries[] {
  const names: string[] = []
  for (const s of scores) for (const c of s.components) if (!names.includes(c.name)) names.push(c.name)
  return names.map((name) => ({
    name,
    data: scores.map((s) => roundPoints(s.components.find((c) => c.name === name)?.points ?? 0)),
  }))
}

/** roundPoints rounds to two decimals for display. */
export function roundPoints(n: number): number {
  return Math.round(n * 100) / 100
}

/** ProfileForm is the editable part of a volunteer profile. */
export interface ProfileForm {
  gender: string
  subjects: string[]
  gradeMin: number
  gradeMax: number
  skills: string[]
  languages: string[]
  countyCode: string
  townshipCode: string
  travelKm: number
  modes: string[]
  capacity: number
  preferredKinds: string[]
}

/** FormErrors maps a field name to the i18n key of its problem. */
export type FormErrors = Record<string, string>

/** validateProfile checks a profile form before it is sent; keys are those of the API's fields. */
export function validateProfile(f: ProfileForm, grid: AvailabilityGrid): FormErrors {
  const e: FormErrors = {}
  if (!['female', 'male', 'unspecified'].includes(f.gender)) e.gender = 'vol.errors.gender'
  if (!Number.isInteger(f.gradeMin) || !Number.isInteger(f.gradeMax) || f.gradeMin < 1 || f.gradeMax > 12 || f.gradeMin > f.gradeMax) {
    e.grades = 'vol.errors.grades'
  }
  if (!f.countyCode) e.county_code = 'vol.errors.county'
  if (!Number.isInteger(f.travelKm) || f.travelKm < 0 || f.travelKm > 200) e.travel_km = 'vol.errors.travel'
  if (f.modes.length === 0) e.modes = 'vol.errors.modes'
  if (!Number.isInteger(f.capacity) || f.capacity < 0 || f.capacity > 5) e.capacity = 'vol.errors.capacity'
  if (gridToSlots(grid).length > 42) e.availability = 'vol.errors.tooManySlots'
  return e
}

/** LogForm is a session log being written. */
export interface LogForm {
  date: string
  minutes: number
  kind: string
  mode: string
  note: string
}

/** validateLog checks a session log form; today is "YYYY-MM-DD". */
export function validateLog(f: LogForm, today: string): FormErrors {
  const e: FormErrors = {}
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.date)) e.date = 'vol.errors.date'
  else if (f.date > today) e.date = 'vol.errors.future'
  if (!Number.isInteger(f.minutes) || f.minutes < 10 || f.minutes > 480) e.minutes = 'vol.errors.minutes'
  if (!['tutoring', 'companionship', 'support'].includes(f.kind)) e.kind = 'vol.errors.kind'
  if (!['online', 'in_person'].includes(f.mode)) e.mode = 'vol.errors.mode'
  const n = [...f.note.trim()].length
  if (n < 5 || n > 1000) e.note = 'vol.errors.note'
  return e
}

/** CheckForm is a verification check being recorded by staff. */
export interface CheckForm {
  kind: string
  passed: boolean
  date: string
  expires: string
  orgId: string
  note: string
}

/** validateCheck checks a verification record: a passed background check needs an expiry after its date. */
export function validateCheck(f: CheckForm): FormErrors {
  const e: FormErrors = {}
  if (!['identity', 'background', 'training'].includes(f.kind)) e.kind = 'vol.errors.checkKind'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.date)) e.date = 'vol.errors.date'
  if (f.kind === 'background' && f.passed) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f.expires)) e.expires = 'vol.errors.expiresRequired'
    else if (f.date && f.expires <= f.date) e.expires = 'vol.errors.expiresAfter'
  }
  if (!f.orgId) e.org_id = 'vol.errors.org'
  return e
}

/** isoDate renders a date as "YYYY-MM-DD" in local time. */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** OVERRIDE_MAX is the longest override reason the API takes (characters). */
export const OVERRIDE_MAX = 300

/**
 * topCandidateIds are the volunteers the API accepts without a reason: the
 * best-scoring candidates not yet paired with or proposed for the need
 * (taken: any pairing with the need, whatever its status). Candidates come
 * best first; equal scores all count as top. Empty when none is free.
 */
export function topCandidateIds(candidates: readonly { volunteer: { id: string }; score: { total: number } }[], taken: ReadonlySet<string>): Set<string> {
  const free = candidates.filter((c) => !taken.has(c.volunteer.id))
  const first = free[0]
  if (!first) return new Set()
  return new Set(free.filter((c) => c.score.total >= first.score.total - 1e-9).map((c) => c.volunteer.id))
}

/** validateOverride checks an override reason: required when asked for, at most OVERRIDE_MAX characters; '' when fine, else an i18n key. */
export function validateOverride(reason: string, required: boolean): string {
  const n = [...reason.trim()].length
  if (required && n === 0) return 'vol.errors.override'
  if (n > OVERRIDE_MAX) return 'vol.errors.overrideLong'
  return ''
}
