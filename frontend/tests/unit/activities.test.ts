import { describe, expect, it } from 'vitest'
import {
  addMinutesLocal,
  checkSessionForm,
  groupByDay,
  hasStarted,
  hoursOf,
  instantToLocal,
  isActive,
  localToInstant,
  monthGrid,
  monthRange,
  parseCheckinUrl,
  placesLeft,
  roleRows,
  secondsUntil,
  sessionPhase,
  sessionWhen,
  shanghaiDateTime,
  shanghaiParts,
  shiftMonth,
  statusTone,
  validCode,
  type SessionForm,
} from '@/utils/activities'

describe('Asia/Shanghai times', () => {
  it.each([
    ['2026-03-07T01:00:00Z', '2026-03-07', '09:00'],
    ['2026-03-06T16:30:00Z', '2026-03-07', '00:30'],
    ['2026-03-07T09:00:00+08:00', '2026-03-07', '09:00'],
  ])('%s is %s %s in Shanghai', (iso, date, time) => {
    expect(shanghaiParts(iso)).toEqual({ date, time })
  })

  it('renders invalid input as empty', () => {
    expect(shanghaiParts('nope')).toEqual({ date: '', time: '' })
    expect(shanghaiDateTime(undefined)).toBe('')
  })

  it('renders a session on one day and across midnight', () => {
    expect(sessionWhen('2026-03-07T01:00:00Z', '2026-03-07T03:30:00Z')).toBe('2026-03-07 09:00–11:30')
    expect(sessionWhen('2026-03-07T14:00:00Z', '2026-03-07T17:00:00Z')).toBe('2026-03-07 22:00 – 2026-03-08 01:00')
  })

  it('reads and writes datetime-local values as Shanghai time', () => {
    expect(localToInstant('2026-03-07T09:00')?.toISOString()).toBe('2026-03-07T01:00:00.000Z')
    expect(instantToLocal(new Date('2026-03-07T01:00:00Z'))).toBe('2026-03-07T09:00')
    expect(localToInstant('2026-02-30T09:00')).toBeNull()
    expect(localToInstant('2026-03-07 09:00')).toBeNull()
    expect(addMinutesLocal('2026-03-07T23:00', 150)).toBe('2026-03-08T01:30')
    expect(addMinutesLocal('bad', 10)).toBe('')
  })
})

describe('places', () => {
  const s = { capacity: { tutor: 0, companion: 2, logistics: 1 }, places_left: { tutor: 0, companion: 0, logistics: 1 }, waitlisted: { companion: 3 } }

  it('lists only offered roles, in order, with taken places', () => {
    expect(roleRows(s)).toEqual([
      { role: 'companion', capacity: 2, left: 0, taken: 2, waitlisted: 3 },
      { role: 'logistics', capacity: 1, left: 1, taken: 0, waitlisted: 0 },
    ])
    expect(placesLeft(s)).toBe(1)
  })

  it('clamps places left held for offers to the capacity range', () => {
    expect(roleRows({ capacity: { tutor: 2 }, places_left: { tutor: 5 }, waitlisted: {} })[0]?.left).toBe(2)
    expect(roleRows({ capacity: { tutor: 2 }, places_left: { tutor: -1 }, waitlisted: {} })[0]?.left).toBe(0)
  })
})

describe('sign-up states', () => {
  it.each([
    ['confirmed', true, 'success'],
    ['waitlisted', true, 'primary'],
    ['offered', true, 'warning'],
    ['cancelled', false, 'info'],
    ['declined', false, 'info'],
    ['expired', false, 'danger'],
  ] as const)('%s: active %s, tone %s', (status, active, tone) => {
    expect(isActive(status)).toBe(active)
    expect(statusTone(status)).toBe(tone)
  })
})

describe('session phase', () => {
  const s = { start: '2026-03-07T01:00:00Z', end: '2026-03-07T03:00:00Z' }
  it.each([
    ['2026-03-06T23:59:00Z', 'upcoming'],
    ['2026-03-07T00:00:00Z', 'checkin'],
    ['2026-03-07T02:59:59Z', 'checkin'],
    ['2026-03-07T03:00:00Z', 'ended'],
  ])('at %s it is %s', (now, phase) => {
    expect(sessionPhase(s, new Date(now))).toBe(phase)
  })

  it('tells when a session has begun (no more cancelling)', () => {
    expect(hasStarted(s, new Date('2026-03-07T00:59:59Z'))).toBe(false)
    expect(hasStarted(s, new Date('2026-03-07T01:00:00Z'))).toBe(true)
  })

  it('counts seconds down and never below zero', () => {
    expect(secondsUntil('2026-03-07T01:00:30Z', new Date('2026-03-07T01:00:00.500Z'))).toBe(30)
    expect(secondsUntil('2026-03-07T01:00:00Z', new Date('2026-03-07T01:00:10Z'))).toBe(0)
  })
})

describe('hours', () => {
  it.each([
    [0, '0'],
    [60, '1'],
    [85, '1.4'],
    [150, '2.5'],
  ])('%i minutes are %s hours', (m, h) => {
    expect(hoursOf(m)).toBe(h)
  })
})

describe('calendar', () => {
  it('lays out a month Monday first', () => {
    const weeks = monthGrid(2026, 3) // 1 March 2026 is a Sunday
    expect(weeks[0]).toEqual([null, null, null, null, null, null, '2026-03-01'])
    expect(weeks.at(-1)?.includes('2026-03-31')).toBe(true)
    expect(weeks.every((w) => w.length === 7)).toBe(true)
  })

  it('moves between months and years', () => {
    expect(shiftMonth(2026, 12, 1)).toEqual({ year: 2027, month: 1 })
    expect(shiftMonth(2026, 1, -1)).toEqual({ year: 2025, month: 12 })
    expect(monthRange(2028, 2)).toEqual({ from: '2028-02-01', to: '2028-02-29' })
  })

  it('groups sessions by their Shanghai day, sorted', () => {
    const g = groupByDay([
      { id: 'b', start: '2026-03-07T05:00:00Z' },
      { id: 'a', start: '2026-03-06T17:00:00Z' }, // 01:00 on the 7th in Shanghai
      { id: 'c', start: '2026-03-08T01:00:00Z' },
    ])
    expect([...g.keys()]).toEqual(['2026-03-07', '2026-03-08'])
    expect(g.get('2026-03-07')?.map((s) => s.id)).toEqual(['a', 'b'])
  })
})

describe('check-in links', () => {
  it('reads the session and code of a QR payload', () => {
    expect(parseCheckinUrl('https://tongban.example/checkin/abc123?code=042917')).toEqual({ sessionId: 'abc123', code: '042917' })
    expect(parseCheckinUrl('/checkin/abc123')).toEqual({ sessionId: 'abc123', code: '' })
    expect(parseCheckinUrl('https://tongban.example/activities/abc')).toBeNull()
  })

  it('accepts six digits only', () => {
    expect(validCode(' 123456 ')).toBe(true)
    expect(validCode('12345')).toBe(false)
    expect(validCode('12345a')).toBe(false)
  })
})

describe('session form', () => {
  const now = new Date('2026-03-01T00:00:00Z')
  const ok: SessionForm = {
    start: '2026-03-07T09:00',
    end: '2026-03-07T11:30',
    venue_name: '石门镇童伴之家',
    county_code: '439921',
    tutor: 0,
    companion: 2,
    logistics: 0,
    signup_deadline: '',
    children_expected: 10,
  }

  it('accepts a valid session', () => {
    expect(checkSessionForm(ok, now)).toEqual({})
  })

  it.each([
    [{ start: '2026-02-01T09:00' }, 'start', 'act.form.errStart'],
    [{ end: '2026-03-07T09:10' }, 'end', 'act.form.errDuration'],
    [{ end: '2026-03-07T22:00' }, 'end', 'act.form.errDuration'],
    [{ end: '' }, 'end', 'act.form.errEnd'],
    [{ signup_deadline: '2026-03-08T09:00' }, 'signup_deadline', 'act.form.errDeadline'],
    [{ venue_name: ' 家 ' }, 'venue_name', 'act.form.errVenue'],
    [{ county_code: '' }, 'county_code', 'act.form.errCounty'],
    [{ companion: 0 }, 'capacity', 'act.form.errNoPlaces'],
    [{ tutor: 501 }, 'capacity', 'act.form.errPlaces'],
    [{ tutor: 1.5 }, 'capacity', 'act.form.errPlaces'],
  ])('reports %o as %s', (change, field, key) => {
    expect(checkSessionForm({ ...ok, ...change }, now)[field]).toBe(key)
  })
})
