// Pure helpers of the activity pages: Shanghai time, places, calendar grid.
import type { ActivityRole, ActivitySession, SignupStatus } from '@/api/activities'
import { ACTIVITY_ROLES } from '@/api/activities'

/** SHANGHAI_OFFSET_MIN is Asia/Shanghai's offset from UTC (no daylight saving). */
export const SHANGHAI_OFFSET_MIN = 8 * 60

const pad = (n: number) => String(n).padStart(2, '0')

/** shanghaiParts splits an instant into its Asia/Shanghai calendar date and clock time. */
export function shanghaiParts(iso: string | Date): { date: string; time: string } {
  const d = typeof iso === 'string' ? new Date(iso) : iso
  if (Number.isNaN(d.getTime())) return { date: '', time: '' }
  const s = new Date(d.getTime() + SHANGHAI_OFFSET_MIN * 60_000)
  return {
    date: `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())}`,
    time: `${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}`,
  }
}

/** sessionWhen renders a session's time as "2026-03-07 09:00–11:30" (Asia/Shanghai), with the end date when it differs. */
export function sessionWhen(start: string, end: string): string {
  const a = shanghaiParts(start)
  const b = shanghaiParts(end)
  if (!a.date) return ''
  return a.date === b.date ? `${a.date} ${a.time}–${b.time}` : `${a.date} ${a.time} – ${b.date} ${b.time}`
}

/** shanghaiDateTime renders an instant as "2026-03-07 09:00" in Asia/Shanghai. */
export function shanghaiDateTime(iso: string | undefined | null): string {
  if (!iso) return ''
  const p = shanghaiParts(iso)
  return p.date ? `${p.date} ${p.time}` : ''
}

/** localToInstant reads "YYYY-MM-DDTHH:mm" as Asia/Shanghai time; null when malformed. */
export function localToInstant(local: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local)
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number]
  const ms = Date.UTC(y, mo - 1, d, h, mi) - SHANGHAI_OFFSET_MIN * 60_000
  const out = new Date(ms)
  const back = shanghaiParts(out)
  // Reject dates that do not exist (2026-02-30 rolls over).
  if (back.date !== `${m[1]}-${m[2]}-${m[3]}`) return null
  return out
}

/** instantToLocal renders an instant as the "YYYY-MM-DDTHH:mm" value of a datetime-local input, in Asia/Shanghai. */
export function instantToLocal(d: Date): string {
  const p = shanghaiParts(d)
  return `${p.date}T${p.time}`
}

/** addMinutesLocal adds minutes to a "YYYY-MM-DDTHH:mm" Shanghai time; "" when malformed. */
export function addMinutesLocal(local: string, minutes: number): string {
  const d = localToInstant(local)
  return d ? instantToLocal(new Date(d.getTime() + minutes * 60_000)) : ''
}

/** RoleRow is one role of a session as the pages show it. */
export interface RoleRow {
  role: ActivityRole
  capacity: number
  left: number
  taken: number
  waitlisted: number
}

/** roleRows lists the roles a session offers places for, in the usual order. */
export function roleRows(s: Pick<ActivitySession, 'capacity' | 'places_left' | 'waitlisted'>): RoleRow[] {
  const out: RoleRow[] = []
  for (const role of ACTIVITY_ROLES) {
    const capacity = s.capacity?.[role] ?? 0
    if (capacity <= 0) continue
    const left = Math.max(0, Math.min(capacity, s.places_left?.[role] ?? 0))
    out.push({ role, capacity, left, taken: capacity - left, waitlisted: s.waitlisted?.[role] ?? 0 })
  }
  return out
}

/** placesLeft is the number of free places over all roles. */
export function placesLeft(s: Pick<ActivitySession, 'capacity' | 'places_left' | 'waitlisted'>): number {
  return roleRows(s).reduce((n, r) => n + r.left, 0)
}

/** ACTIVE_STATUSES are the sign-up states that hold a place or a place in line. */
export const ACTIVE_STATUSES: readonly SignupStatus[] = ['confirmed', 'waitlisted', 'offered']

/** isActive tells whether a sign-up still holds a place or a place in line. */
export function isActive(status: string | undefined): boolean {
  return !!status && (ACTIVE_STATUSES as readonly string[]).includes(status)
}

/** statusTone maps a sign-up status to an Element Plus tag type. */
export function statusTone(status: string): 'success' | 'warning' | 'info' | 'danger' | 'primary' {
  switch (status) {
    case 'confirmed':
      return 'success'
    case 'offered':
      return 'warning'
    case 'waitlisted':
      return 'primary'
    case 'expired':
      return 'danger'
    default:
      return 'info'
  }
}

/** SessionPhase is where a session stands in time. */
export type SessionPhase = 'upcoming' | 'checkin' | 'ended'

/** CHECKIN_EARLY_MS is how long before the start check-in opens (the server's rule). */
export const CHECKIN_EARLY_MS = 60 * 60_000

/** sessionPhase: "checkin" from an hour before the start until the end, "ended" after it. */
export function sessionPhase(s: { start: string; end: string }, now: Date): SessionPhase {
  const start = new Date(s.start).getTime()
  const end = new Date(s.end).getTime()
  const t = now.getTime()
  if (t >= end) return 'ended'
  if (t >= start - CHECKIN_EARLY_MS) return 'checkin'
  return 'upcoming'
}

/** hoursOf renders minutes as hours with at most one decimal (85 → "1.4"). */
export function hoursOf(minutes: number): string {
  const h = Math.round(minutes / 6) / 10
  return Number.isInteger(h) ? String(h) : h.toFixed(1)
}

/** secondsUntil is the whole seconds from now until iso (never negative). */
export function secondsUntil(iso: string, now: Date): number {
  const ms = new Date(iso).getTime() - now.getTime()
  return Number.isNaN(ms) ? 0 : Math.max(0, Math.ceil(ms / 1000))
}

/** monthGrid returns the weeks (Monday first) of a month as "YYYY-MM-DD" dates, null outside the month. */
export function monthGrid(year: number, month: number): (string | null)[][] {
  const first = new Date(Date.UTC(year, month - 1, 1))
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const lead = (first.getUTCDay() + 6) % 7
  const cells: (string | null)[] = Array.from({ length: lead }, () => null)
  for (let d = 1; d <= days; d++) cells.push(`${year}-${pad(month)}-${pad(d)}`)
  while (cells.length % 7 !== 0) cells.push(null)
  const weeks: (string | null)[][] = []
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7))
  return weeks
}

/** shiftMonth moves a (year, month) by delta months. */
export function shiftMonth(year: number, month: number, delta: number): { year: number; month: number } {
  const i = year * 12 + (month - 1) + delta
  return { year: Math.floor(i / 12), month: (i % 12) + 1 }
}

/** monthRange is the first and last date of a month as "YYYY-MM-DD". */
export function monthRange(year: number, month: number): { from: string; to: string } {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return { from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${pad(days)}` }
}

/** groupByDay groups sessions by their Asia/Shanghai start date, each day sorted by start. */
export function groupByDay<T extends { start: string }>(sessions: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const s of [...sessions].sort((a, b) => a.start.localeCompare(b.start))) {
    const day = shanghaiParts(s.start).date
    const list = out.get(day)
    if (list) list.push(s)
    else out.set(day, [s])
  }
  return out
}

/** parseCheckinUrl reads the session ID and code of a check-in QR payload (…/checkin/{session}?code=…). */
export function parseCheckinUrl(url: string): { sessionId: string; code: string } | null {
  try {
    const u = new URL(url, 'http://x.invalid')
    const m = /\/checkin\/([^/?#]+)$/.exec(u.pathname)
    if (!m) return null
    return { sessionId: decodeURIComponent(m[1]!), code: u.searchParams.get('code') ?? '' }
  } catch {
    return null
  }
}

/** validCode tells whether a check-in code has the server's form (six digits). */
export function validCode(code: string): boolean {
  return /^\d{6}$/.test(code.trim())
}

/** SessionForm is one session of the create-activity form. */
export interface SessionForm {
  start: string
  end: string
  venue_name: string
  county_code: string
  tutor: number
  companion: number
  logistics: number
  signup_deadline: string
  children_expected: number
}

/**
 * checkSessionForm returns the problems of a session form as i18n keys by
 * field (empty when it may be sent): the server checks again.
 */
export function checkSessionForm(f: SessionForm, now: Date): Record<string, string> {
  const out: Record<string, string> = {}
  const start = localToInstant(f.start)
  const end = localToInstant(f.end)
  if (!start || start.getTime() <= now.getTime()) out.start = 'act.form.errStart'
  if (!end) out.end = 'act.form.errEnd'
  else if (start) {
    const min = (end.getTime() - start.getTime()) / 60_000
    if (min < 15 || min > 12 * 60) out.end = 'act.form.errDuration'
  }
  if (f.signup_deadline) {
    const dl = localToInstant(f.signup_deadline)
    if (!dl || dl.getTime() <= now.getTime() || (start && dl.getTime() > start.getTime())) out.signup_deadline = 'act.form.errDeadline'
  }
  const venue = f.venue_name.trim().length
  if (venue < 2 || venue > 60) out.venue_name = 'act.form.errVenue'
  if (!f.county_code) out.county_code = 'act.form.errCounty'
  const places = [f.tutor, f.companion, f.logistics]
  if (places.some((n) => !Number.isInteger(n) || n < 0 || n > 500)) out.capacity = 'act.form.errPlaces'
  else if (places.every((n) => n === 0)) out.capacity = 'act.form.errNoPlaces'
  return out
}

/** hasStarted tells whether a session has begun (sign-ups can no longer be cancelled). */
export function hasStarted(s: { start: string }, now: Date): boolean {
  return now.getTime() >= new Date(s.start).getTime()
}
