import { describe, expect, it } from 'vitest'
import {
  breakdownSeries,
  componentColor,
  emptyGrid,
  explanation,
  gridToSlots,
  maxPoints,
  paintRange,
  scoreBar,
  slotTime,
  slotsToGrid,
  timeSlot,
  validateCheck,
  validateLog,
  validateProfile,
  weeklyMinutes,
  type ProfileForm,
  type Score,
} from '@/utils/volunteering'

describe('availability grid ⇄ slots', () => {
  it('renders and parses half-hour times', () => {
    expect(slotTime(0)).toBe('00:00')
    expect(slotTime(19)).toBe('09:30')
    expect(slotTime(48)).toBe('24:00')
    expect(timeSlot('09:30')).toBe(19)
    expect(timeSlot('24:00')).toBe(48)
    expect(timeSlot('09:15')).toBeNaN()
    expect(timeSlot('24:30')).toBeNaN()
    expect(timeSlot('9:00')).toBeNaN()
  })

  it('turns runs of marked cells into one slot each', () => {
    let g = emptyGrid()
    g = paintRange(g, 6, 18, 23, true) // Saturday 09:00–12:00
    g = paintRange(g, 1, 38, 38, true) // Monday 19:00–19:30
    g = paintRange(g, 7, 47, 46, true) // Sunday 23:00–24:00, given backwards
    expect(gridToSlots(g)).toEqual([
      { day: 1, start: '19:00', end: '19:30' },
      { day: 6, start: '09:00', end: '12:00' },
      { day: 7, start: '23:00', end: '24:00' },
    ])
    expect(weeklyMinutes(g)).toBe(30 + 180 + 60)
  })

  it('round-trips slots through the grid, merging touching and overlapping ones', () => {
    const slots = [
      { day: 3, start: '14:00', end: '15:00' },
      { day: 3, start: '15:00', end: '16:30' },
      { day: 5, start: '08:00', end: '10:00' },
      { day: 5, start: '09:00', end: '11:00' },
    ]
    expect(gridToSlots(slotsToGrid(slots))).toEqual([
      { day: 3, start: '14:00', end: '16:30' },
      { day: 5, start: '08:00', end: '11:00' },
    ])
  })

  it('ignores slots with a bad day or time', () => {
    const g = slotsToGrid([
      { day: 0, start: '09:00', end: '10:00' },
      { day: 8, start: '09:00', end: '10:00' },
      { day: 2, start: '10:00', end: '09:00' },
      { day: 2, start: '09:10', end: '10:00' },
    ])
    expect(gridToSlots(g)).toEqual([])
  })

  it('paintRange does not change the grid it is given', () => {
    const g = emptyGrid()
    const h = paintRange(g, 2, 0, 3, true)
    expect(weeklyMinutes(g)).toBe(0)
    expect(weeklyMinutes(h)).toBe(120)
  })

  it('round-trips random grids exactly', () => {
    let seed = 7
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    for (let n = 0; n < 200; n++) {
      const g = emptyGrid().map((row) => row.map(() => rnd() < 0.3))
      expect(slotsToGrid(gridToSlots(g))).toEqual(g)
    }
  })
})

const score: Score = {
  total: 62.5,
  components: [
    { name: 'subject', value: 1, weight: 0.3, points: 30, zh: '可辅导数学', en: 'can teach maths' },
    { name: 'schedule', value: 0.75, weight: 0.3, points: 22.5, zh: '每周可共同安排 3 小时', en: '3 shared hours a week' },
    { name: 'distance', value: 0, weight: 0.2, points: 0, zh: '距离较远', en: 'far away' },
    { name: 'urgency', value: 0.5, weight: 0.2, points: 10, zh: '较为紧急', en: 'fairly urgent' },
  ],
}

describe('score bar', () => {
  it('sizes each positive component against the largest possible total', () => {
    expect(maxPoints(score)).toBe(100)
    const bar = scoreBar(score, 'zh-CN')
    expect(bar.map((s) => [s.name, s.percent])).toEqual([
      ['subject', 30],
      ['schedule', 22.5],
      ['urgency', 10],
    ])
    expect(bar[1]?.sentence).toBe('每周可共同安排 3 小时')
  })

  it('uses the sentence of the interface language, falling back to the other', () => {
    expect(scoreBar(score, 'en').map((s) => s.sentence)).toEqual(['can teach maths', '3 shared hours a week', 'fairly urgent'])
    expect(explanation({ zh: '只有中文', en: '' }, 'en')).toBe('只有中文')
    expect(explanation({ zh: '', en: 'English only' }, 'zh-CN')).toBe('English only')
  })

  it('handles a score without weights', () => {
    expect(scoreBar({ total: 0, components: [{ name: 'x', value: 1, weight: 0, points: 5, zh: 'a', en: 'b' }] }, 'en')[0]?.percent).toBe(0)
  })

  it('builds one stacked series per component across proposals', () => {
    const other: Score = { total: 40, components: [{ name: 'waiting', value: 1, weight: 0.1, points: 10, zh: '', en: '' }, { name: 'subject', value: 1, weight: 0.3, points: 30.004, zh: '', en: '' }] }
    expect(breakdownSeries([score, other])).toEqual([
      { name: 'subject', data: [30, 30] },
      { name: 'schedule', data: [22.5, 0] },
      { name: 'distance', data: [0, 0] },
      { name: 'urgency', data: [10, 0] },
      { name: 'waiting', data: [0, 10] },
    ])
  })
})

describe('form validation', () => {
  const good = (): ProfileForm => ({
    gender: 'female',
    subjects: ['math'],
    gradeMin: 3,
    gradeMax: 6,
    skills: [],
    languages: ['zh'],
    countyCode: '439921',
    townshipCode: '',
    travelKm: 15,
    modes: ['online'],
    capacity: 2,
    preferredKinds: [],
  })

  it('accepts a complete profile', () => {
    expect(validateProfile(good(), emptyGrid())).toEqual({})
  })

  it('reports each bad profile field under its API name', () => {
    const f = { ...good(), gender: '', gradeMin: 7, gradeMax: 4, countyCode: '', travelKm: 201, modes: [], capacity: 6 }
    expect(Object.keys(validateProfile(f, emptyGrid())).sort()).toEqual(['capacity', 'county_code', 'gender', 'grades', 'modes', 'travel_km'])
  })

  it('refuses more than 42 availability blocks', () => {
    let g = emptyGrid()
    for (let d = 1; d <= 7; d++) for (let i = 0; i < 14; i += 2) g = paintRange(g, d, i, i, true)
    expect(gridToSlots(g)).toHaveLength(49)
    expect(validateProfile(good(), g).availability).toBe('vol.errors.tooManySlots')
  })

  it('checks a session log', () => {
    const log = { date: '2026-11-28', minutes: 60, kind: 'tutoring', mode: 'online', note: '一起复习了分数加减法' }
    expect(validateLog(log, '2026-11-29')).toEqual({})
    expect(validateLog({ ...log, date: '2026-11-30' }, '2026-11-29')).toEqual({ date: 'vol.errors.future' })
    expect(Object.keys(validateLog({ date: '', minutes: 5, kind: 'x', mode: 'bus', note: '短' }, '2026-11-29')).sort()).toEqual([
      'date',
      'kind',
      'minutes',
      'mode',
      'note',
    ])
    expect(validateLog({ ...log, minutes: 481 }, '2026-11-29').minutes).toBe('vol.errors.minutes')
  })

  it('requires an expiry after the date for a passed background check only', () => {
    const c = { kind: 'background', passed: true, date: '2026-11-01', expires: '', orgId: 'o1', note: '' }
    expect(validateCheck(c)).toEqual({ expires: 'vol.errors.expiresRequired' })
    expect(validateCheck({ ...c, expires: '2026-10-01' })).toEqual({ expires: 'vol.errors.expiresAfter' })
    expect(validateCheck({ ...c, expires: '2029-11-01' })).toEqual({})
    expect(validateCheck({ ...c, passed: false })).toEqual({})
    expect(validateCheck({ ...c, kind: 'identity' })).toEqual({})
    expect(validateCheck({ ...c, kind: 'x', orgId: '', date: '' })).toEqual({
      kind: 'vol.errors.checkKind',
      date: 'vol.errors.date',
      org_id: 'vol.errors.org',
    })
  })
})

describe('component colours', () => {
  it('gives each known component its own colour and unknown ones a neutral one', () => {
    const names = ['subject', 'schedule', 'distance', 'language', 'continuity', 'urgency', 'waiting']
    expect(new Set(names.map(componentColor)).size).toBe(names.length)
    expect(componentColor('something-new')).toBe('#5f6b73')
  })
})
