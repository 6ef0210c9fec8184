import { describe, expect, it } from 'vitest'
import type { Need } from '@/api/types'
import {
  activeFilterCount,
  allowedActions,
  buildNeedInput,
  emptyFilters,
  emptyNeedForm,
  facetCountQueries,
  facetOptions,
  filtersFromQuery,
  filtersToRouteQuery,
  formFromNeed,
  formatSlot,
  isOwnNeedInReview,
  isPublicStatus,
  needsQuery,
  parseBand,
  previewNeed,
  publicTexts,
  slotValid,
  sortSlots,
  toggleFilter,
  validateNeedForm,
  type NeedForm,
} from '@/utils/needs'
import { makeUser } from './fixtures'

const zhDays = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']
const enDays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

describe('weekly slots', () => {
  it('formats a slot as "周六 09:00–11:00" with the day names given', () => {
    expect(formatSlot({ day: 6, start: '09:00', end: '11:00' }, (d) => zhDays[d - 1] ?? '')).toBe('周六 09:00–11:00')
    expect(formatSlot({ day: 1, start: '19:30', end: '20:15' }, (d) => enDays[d - 1] ?? '')).toBe('Mon 19:30–20:15')
  })

  it('sorts by day, then start, then end', () => {
    const got = sortSlots([
      { day: 7, start: '09:00', end: '10:00' },
      { day: 2, start: '19:00', end: '20:00' },
      { day: 2, start: '08:00', end: '09:30' },
      { day: 2, start: '08:00', end: '09:00' },
    ])
    expect(got.map((s) => `${s.day} ${s.start}-${s.end}`)).toEqual(['2 08:00-09:00', '2 08:00-09:30', '2 19:00-20:00', '7 09:00-10:00'])
  })

  it.each([
    [{ day: 6, start: '09:00', end: '11:00' }, true],
    [{ day: 7, start: '00:00', end: '23:59' }, true],
    [{ day: 0, start: '09:00', end: '11:00' }, false],
    [{ day: 8, start: '09:00', end: '11:00' }, false],
    [{ day: 3, start: '11:00', end: '11:00' }, false],
    [{ day: 3, start: '12:00', end: '11:00' }, false],
    [{ day: 3, start: '9:00', end: '11:00' }, false],
    [{ day: 3, start: '24:00', end: '24:30' }, false],
  ])('slotValid(%j) = %s', (slot, want) => {
    expect(slotValid(slot)).toBe(want)
  })
})

describe('search filters and query strings', () => {
  it('reads filters from a route query: comma lists, repeated keys, unknown sort ignored', () => {
    const f = filtersFromQuery({
      q: '  数学辅导 ',
      kind: 'pairing,in_kind',
      category: ['tutoring', 'books,tutoring'],
      county_code: '439921',
      age_band: '',
      online: null,
      sort: 'cheapest',
    })
    expect(f).toEqual({
      ...emptyFilters(),
      q: '数学辅导',
      kind: ['pairing', 'in_kind'],
      category: ['tutoring', 'books'],
      county_code: ['439921'],
    })
  })

  it('writes a route query without empty values or the default sort, and reads it back', () => {
    const f = { ...emptyFilters(), q: '棉衣', kind: ['in_kind'], age_band: ['9-11', '12-14'], sort: 'newest' as const }
    const q = filtersToRouteQuery(f)
    expect(q).toEqual({ q: '棉衣', kind: 'in_kind', age_band: '9-11,12-14', sort: 'newest' })
    expect(filtersFromQuery(q)).toEqual(f)
    expect(filtersToRouteQuery(emptyFilters())).toEqual({})
  })

  it('builds the GET /needs query: alternatives comma-separated, sort, cursor and limit', () => {
    const f = { ...emptyFilters(), q: '数学 辅导', kind: ['pairing'], online: ['yes'], county_code: ['439921', '439922'] }
    const params = new URLSearchParams(needsQuery(f, { cursor: '12', limit: 12 }))
    expect(Object.fromEntries(params)).toEqual({
      q: '数学 辅导',
      kind: 'pairing',
      county_code: '439921,439922',
      online: 'yes',
      sort: 'relevance',
      cursor: '12',
      limit: '12',
    })
    expect(needsQuery(emptyFilters())).toBe('sort=relevance&limit=12')
  })

  it('counts each chosen facet with its own filter left out', () => {
    const f = { ...emptyFilters(), q: '辅导', kind: ['pairing'], age_band: ['9-11'] }
    const got = facetCountQueries(f).map((x) => ({ field: x.field, params: Object.fromEntries(new URLSearchParams(x.query)) }))
    expect(got).toEqual([
      { field: 'kind', params: { q: '辅导', age_band: '9-11', sort: 'relevance', limit: '1' } },
      { field: 'age_band', params: { q: '辅导', kind: 'pairing', sort: 'relevance', limit: '1' } },
    ])
    expect(facetCountQueries(emptyFilters())).toEqual([])
  })

  it('toggles a value in and out without touching the input', () => {
    const f0 = emptyFilters()
    const f1 = toggleFilter(f0, 'kind', 'pairing')
    const f2 = toggleFilter(f1, 'kind', 'funding')
    const f3 = toggleFilter(f2, 'kind', 'pairing')
    expect(f0.kind).toEqual([])
    expect(f2.kind).toEqual(['pairing', 'funding'])
    expect(f3.kind).toEqual(['funding'])
    expect(activeFilterCount({ ...f2, online: ['no'] })).toBe(3)
  })

  it('lists facet options with chosen values kept, age bands by age, the rest by count', () => {
    expect(
      facetOptions(
        'age_band',
        [
          { value: '12-14', count: 6 },
          { value: '6-8', count: 4 },
          { value: '10-12', count: 5 },
          { value: '9-11', count: 1 },
        ],
        ['15-17'],
      ).map((o) => o.value),
    ).toEqual(['6-8', '9-11', '10-12', '12-14', '15-17'])
    expect(
      facetOptions(
        'kind',
        [
          { value: 'pairing', count: 12 },
          { value: 'in_kind', count: 13 },
          { value: '', count: 2 },
        ],
        ['funding'],
      ),
    ).toEqual([
      { value: 'in_kind', count: 13 },
      { value: 'pairing', count: 12 },
      { value: 'funding', count: 0 },
    ])
    expect(facetOptions('status', undefined, [])).toEqual([])
  })

  it('parses age bands', () => {
    expect(parseBand('9-11')).toEqual({ min: 9, max: 11 })
    expect(parseBand('9')).toBeNull()
    expect(parseBand('a-b')).toBeNull()
  })
})

function validPairing(): NeedForm {
  return {
    ...emptyNeedForm('pairing', '439921'),
    category: 'tutoring',
    title: '周末数学辅导',
    narrative: '孩子数学基础薄弱，希望志愿者每周辅导一次。',
    age_min: 9,
    age_max: 11,
    grade_min: 3,
    grade_max: 5,
    children: 2,
    subjects: ['math'],
    schedule: [
      { day: 6, start: '09:00', end: '11:00' },
      { day: 2, start: '19:00', end: '20:00' },
    ],
    languages: ['zh'],
    female_volunteer: true,
    case_ref: 'LA-2026/001',
    internal_notes: '家访记录见台账第 3 页',
  }
}

describe('validateNeedForm', () => {
  it('accepts a complete pairing need', () => {
    expect(validateNeedForm(validPairing())).toEqual({})
  })

  it('names each broken rule by the API field name', () => {
    const f: NeedForm = {
      ...validPairing(),
      category: 'winter_clothing',
      title: '数学',
      narrative: '太短',
      county_code: '',
      age_min: 9,
      age_max: 10,
      grade_min: null,
      grade_max: null,
      children: 0,
      volunteers_wanted: 21,
      schedule: [{ day: 6, start: '11:00', end: '09:00' }],
      case_ref: '张三',
    }
    expect(Object.keys(validateNeedForm(f)).sort()).toEqual(
      ['age_band', 'case_ref', 'category', 'children', 'county_code', 'narrative', 'schedule[0]', 'title', 'volunteers_wanted'].sort(),
    )
    // Tutoring needs subjects and a grade band.
    const g = { ...validPairing(), subjects: [], grade_min: null, grade_max: null }
    expect(validateNeedForm(g)).toEqual({ subjects: { key: 'subjects' }, grade_band: { key: 'gradeRequired' } })
    // Companionship does not.
    expect(validateNeedForm({ ...g, category: 'companionship' })).toEqual({})
  })

  it('checks age bands as the API does: 3 to 7 years within 0–18', () => {
    const band = (age_min: number | null, age_max: number | null) => validateNeedForm({ ...validPairing(), age_min, age_max }).age_band
    expect(band(9, 11)).toBeUndefined()
    expect(band(0, 6)).toBeUndefined()
    expect(band(12, 18)).toBeUndefined()
    expect(band(9, 10)).toEqual({ key: 'ageBand' })
    expect(band(9, 16)).toEqual({ key: 'ageBand' })
    expect(band(17, 19)).toEqual({ key: 'ageBand' })
    expect(band(null, 11)).toEqual({ key: 'ageBand' })
  })

  it('checks in-kind lines and funding amounts', () => {
    const inKind: NeedForm = {
      ...emptyNeedForm('in_kind', '439921'),
      category: 'winter_clothing',
      title: '冬衣需求测试',
      narrative: '山区冬季气温低，孩子们缺少合身的棉衣。',
      age_min: 9,
      age_max: 11,
      items: [
        { type: 'winter_coat', size: '140', count: 3, note: '' },
        { type: '', size: '123456789012345678901', count: 0, note: '' },
      ],
    }
    expect(Object.keys(validateNeedForm(inKind)).sort()).toEqual(['items[1].count', 'items[1].size', 'items[1].type'])
    expect(validateNeedForm({ ...inKind, items: [] }).items).toEqual({ key: 'itemLines', params: { max: 50 } })

    const funding: NeedForm = {
      ...emptyNeedForm('funding', '439921'),
      category: 'scholarship',
      title: '圆梦大学助学',
      narrative: '今年有两名困境家庭学生考入大学，每人资助入学费用。',
      age_min: 16,
      age_max: 18,
      target_yuan: '16000',
      per_beneficiary_yuan: '4000',
    }
    expect(validateNeedForm(funding)).toEqual({})
    expect(validateNeedForm({ ...funding, target_yuan: '0.5' }).target_fen).toEqual({ key: 'targetRange' })
    expect(validateNeedForm({ ...funding, target_yuan: 'lots' }).target_fen).toEqual({ key: 'amount' })
    expect(validateNeedForm({ ...funding, per_beneficiary_yuan: '16000.01' }).per_beneficiary_fen).toEqual({ key: 'perBeneficiary' })
    expect(validateNeedForm({ ...funding, per_beneficiary_yuan: '' })).toEqual({})
  })
})

describe('buildNeedInput', () => {
  it('sends pairing fields, trimmed texts and sorted slots; no items or amounts', () => {
    const input = buildNeedInput({ ...validPairing(), title: '  周末数学辅导 ' }, true)
    expect(input.kind).toBe('pairing')
    expect(input.title).toBe('周末数学辅导')
    expect(input.grade_band).toEqual({ min: 3, max: 5 })
    expect(input.schedule.map((s) => s.day)).toEqual([2, 6])
    expect(input.safeguarding).toEqual({ female_volunteer: true, public_venue_only: false })
    expect(input.items).toEqual([])
    expect(input.target_fen).toBe(0)
    expect(input.case_ref).toBe('LA-2026/001')
  })

  it('leaves the kind out on update and the grade band out when not chosen', () => {
    const input = buildNeedInput({ ...validPairing(), category: 'companionship', grade_min: null, grade_max: null }, false)
    expect(input).not.toHaveProperty('kind')
    expect(input).not.toHaveProperty('grade_band')
  })

  it('converts funding amounts from yuan to integer fen and drops pairing fields', () => {
    const f: NeedForm = { ...validPairing(), kind: 'funding', category: 'scholarship', target_yuan: '16,000.50', per_beneficiary_yuan: '4000' }
    const input = buildNeedInput(f, true)
    expect(input.target_fen).toBe(1_600_050)
    expect(input.per_beneficiary_fen).toBe(400_000)
    expect(input.subjects).toEqual([])
    expect(input.schedule).toEqual([])
    expect(input.volunteers_wanted).toBe(0)
    expect(input.safeguarding).toEqual({ female_volunteer: false, public_venue_only: false })
  })

  it('sends in-kind lines without pledged or delivered counts', () => {
    const f: NeedForm = { ...emptyNeedForm('in_kind'), items: [{ type: 'winter_coat', size: ' 140 ', count: 3, note: ' 加厚 ' }] }
    expect(buildNeedInput(f, false).items).toEqual([{ type: 'winter_coat', size: '140', count: 3, note: '加厚' }])
  })
})

const stored: Need = {
  id: 'n1',
  org_id: 'o-1',
  org_name: '共青团隆安县委员会',
  kind: 'in_kind',
  category: 'winter_clothing',
  title: '冬衣需求测试',
  narrative: '山区冬季气温低，孩子们缺少合身的棉衣。',
  county_code: '439921',
  county_name: '隆安县',
  age_band: { min: 9, max: 11 },
  children: 3,
  mode: 'in_person',
  urgency: 3,
  status: 'published',
  items: [{ type: 'winter_coat', size: '140', count: 3, note: '', pledged: 2, delivered: 1 }],
  target_fen: 0,
  per_beneficiary_fen: 0,
  progress: { pairings_made: 0, items_pledged: 2, items_delivered: 1, raised_fen: 0, spent_fen: 0 },
  case_ref: 'LA-1',
  internal_notes: '只给本单位看',
  history: [{ from: '', to: 'draft', by: 'u-1', at: '2026-01-01T00:00:00Z' }],
  created_by: 'u-1',
  deadline: '2026-12-31',
  version: 4,
}

describe('formFromNeed / previewNeed', () => {
  it('loads a stored need into the form and back into the same input', () => {
    const f = formFromNeed(stored)
    expect(f.items).toEqual([{ type: 'winter_coat', size: '140', count: 3, note: '' }])
    expect(f.case_ref).toBe('LA-1')
    const input = buildNeedInput(f, false)
    expect(input.items).toEqual([{ type: 'winter_coat', size: '140', count: 3, note: '' }])
    expect(input.deadline).toBe('2026-12-31')
    expect(formFromNeed({ ...stored, kind: 'funding', target_fen: 1_600_000, items: [] }).target_yuan).toBe('16000')
  })

  it('previews public fields only, keeping stored pledge counts', () => {
    const p = previewNeed(formFromNeed(stored), {
      id: 'n1',
      orgId: 'o-1',
      orgName: '共青团隆安县委员会',
      countyName: '隆安县',
      status: 'draft',
      items: stored.items,
      progress: stored.progress,
    })
    expect(p.case_ref).toBeUndefined()
    expect(p.internal_notes).toBeUndefined()
    expect(p.history).toBeUndefined()
    expect(JSON.stringify(p)).not.toContain('只给本单位看')
    expect(JSON.stringify(p)).not.toContain('LA-1')
    expect(p.items).toEqual([{ type: 'winter_coat', size: '140', count: 3, note: '', pledged: 2, delivered: 1 }])
    expect(p.county_name).toBe('隆安县')
  })

  it('lists the public texts the screen checks, by API field name', () => {
    const f = { ...formFromNeed(stored), title: ' 冬衣 ', items: [{ type: 'winter_coat', size: '140', count: 3, note: '电话13800138000' }] }
    expect(publicTexts(f)).toEqual({ title: '冬衣', narrative: stored.narrative, 'items[0].note': '电话13800138000', 'items[0].size': '140' })
    expect(Object.keys(publicTexts({ ...f, kind: 'pairing' }))).toEqual(['title', 'narrative'])
  })
})

describe('allowedActions', () => {
  const coordinator = makeUser(['staff'], [{ org_id: 'o-1', org_name: 'X', org_type: 'youth_league', county_code: '439921', role: 'coordinator' }], { id: 'u-1' })
  const reviewer = makeUser(['staff'], [{ org_id: 'o-1', org_name: 'X', org_type: 'youth_league', county_code: '439921', role: 'reviewer' }], { id: 'u-2' })
  const finance = makeUser(['staff'], [{ org_id: 'o-1', org_name: 'X', org_type: 'youth_league', county_code: '439921', role: 'finance' }], { id: 'u-3' })
  const outsider = makeUser(['staff'], [{ org_id: 'o-2', org_name: 'Y', org_type: 'ngo', county_code: '439921', role: 'reviewer' }], { id: 'u-4' })
  const admin = makeUser(['admin'], [], { id: 'u-5' })
  const need = (status: Need['status'], created_by = 'u-1') => ({ status, org_id: 'o-1', created_by })

  it.each<[string, ReturnType<typeof makeUser> | null, Need['status'], string[]]>([
    ['author drafts', coordinator, 'draft', ['submit', 'withdraw']],
    ['finance member drafts', finance, 'draft', ['submit']],
    ['reviewer, not the author', reviewer, 'in_review', ['approve', 'reject', 'withdraw']],
    ['coordinator in review', coordinator, 'in_review', ['withdraw']],
    ['reviewer of another org', outsider, 'in_review', []],
    ['published, coordinator', coordinator, 'published', ['withdraw', 'close']],
    ['published, finance', finance, 'published', []],
    ['admin', admin, 'fulfilled', ['withdraw', 'close']],
    ['withdrawn', reviewer, 'withdrawn', []],
    ['closed', coordinator, 'closed', []],
    ['nobody', null, 'published', []],
  ])('%s', (_name, user, status, want) => {
    expect(allowedActions(need(status), user)).toEqual(want)
  })

  it('does not let a reviewer approve their own need, and says so', () => {
    const own = need('in_review', 'u-2')
    expect(allowedActions(own, reviewer)).toEqual(['reject', 'withdraw'])
    expect(isOwnNeedInReview(own, reviewer)).toBe(true)
    expect(isOwnNeedInReview(need('in_review'), reviewer)).toBe(false)
    expect(isOwnNeedInReview(own, coordinator)).toBe(false)
  })

  it('knows the public statuses', () => {
    expect(['published', 'partially_fulfilled', 'fulfilled'].every(isPublicStatus)).toBe(true)
    expect(['draft', 'in_review', 'closed', 'withdrawn'].some(isPublicStatus)).toBe(false)
  })
})
