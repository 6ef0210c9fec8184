import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import App from '@/App.vue'
import { i18n, setLocale } from '@/i18n'
import { makeRouter } from '@/router'
import NeedPublicView from '@/components/needs/NeedPublicView.vue'
import type { Need, NeedDoc } from '@/api/types'
import { coordinatorMembership, makeUser } from './fixtures'

interface Call {
  method: string
  url: string
  body?: unknown
  headers: Record<string, string>
}

type Handler = (call: Call) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined

let calls: Call[] = []

function serve(handler: Handler): void {
  document.cookie = 'tongban_csrf=test-token-0000000000000000'
  calls = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const call: Call = {
        method: init.method ?? 'GET',
        url: String(input),
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
        headers: (init.headers as Record<string, string>) ?? {},
      }
      calls.push(call)
      const r = handler(call)
      if (!r) return new Response(JSON.stringify({ status: 404, detail: `unmocked ${call.method} ${call.url}` }), { status: 404 })
      const problem = r.status >= 400
      return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
        status: r.status,
        headers: { 'Content-Type': problem ? 'application/problem+json' : 'application/json', ...(r.headers ?? {}) },
      })
    }),
  )
}

async function mountAt(path: string) {
  const pinia = createPinia()
  const router = makeRouter(pinia, createMemoryHistory())
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

afterEach(() => {
  document.body.innerHTML = ''
  setLocale('zh-CN')
})

const anonymous = { status: 401, body: { status: 401, detail: 'Please log in.' } }

const pairingNeed: Need = {
  id: 'n-pair',
  org_id: 'o-1',
  org_name: '共青团隆安县委员会',
  kind: 'pairing',
  category: 'tutoring',
  title: '周末数学辅导',
  narrative: '孩子数学基础薄弱，希望志愿者每周辅导一次。',
  county_code: '439921',
  county_name: '隆安县',
  township_code: '439921100',
  age_band: { min: 9, max: 11 },
  grade_band: { min: 3, max: 5 },
  children: 2,
  subjects: ['math', 'chinese'],
  schedule: [
    { day: 6, start: '09:00', end: '11:00' },
    { day: 3, start: '19:00', end: '20:00' },
  ],
  mode: 'online',
  languages: ['zh', 'zh-yue'],
  safeguarding: { female_volunteer: true, public_venue_only: false },
  volunteers_wanted: 2,
  items: [],
  target_fen: 0,
  per_beneficiary_fen: 0,
  urgency: 4,
  deadline: '2026-12-31',
  status: 'published',
  progress: { pairings_made: 1, items_pledged: 0, items_delivered: 0, raised_fen: 0, spent_fen: 0 },
  published_at: '2026-09-03T06:58:00Z',
  version: 1,
}

describe('NeedPublicView', () => {
  it('shows the coarse facts of a pairing need, slots as "周六 09:00–11:00", and its progress', () => {
    const w = mount(NeedPublicView, { props: { need: pairingNeed, townshipName: '城关镇' }, global: { plugins: [i18n] } })
    expect(w.find('h1').text()).toBe('周末数学辅导')
    const facts = w.find('[data-testid="need-facts"]').text()
    for (const want of ['9–11 岁', '3–5 年级', '2 名', '隆安县 城关镇', '线上', '紧急', '数学、语文', '普通话、粤语', '希望由女性志愿者陪伴']) {
      expect(facts).toContain(want)
    }
    expect(w.findAll('[data-testid="need-schedule"] li').map((li) => li.text())).toEqual(['周三 19:00–20:00', '周六 09:00–11:00'])
    const progress = w.find('[data-testid="need-progress"]')
    expect(progress.text()).toContain('已结对 1 名志愿者，共需要 2 名')
    expect(progress.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('50')
  })

  it('shows the item lines of an in-kind need with pledged and delivered counts', () => {
    const need: Need = {
      ...pairingNeed,
      kind: 'in_kind',
      category: 'winter_clothing',
      grade_band: null,
      subjects: [],
      schedule: [],
      items: [
        { type: 'winter_coat', size: '140', count: 12, note: '加厚', pledged: 6, delivered: 3 },
        { type: 'shoes', size: '35', count: 4, note: '', pledged: 0, delivered: 0 },
      ],
      progress: { pairings_made: 0, items_pledged: 6, items_delivered: 3, raised_fen: 0, spent_fen: 0 },
    }
    const w = mount(NeedPublicView, { props: { need }, global: { plugins: [i18n] } })
    const rows = w.findAll('[data-testid="need-items"] tbody tr').map((r) => r.findAll('td').map((td) => td.text()))
    expect(rows).toEqual([
      ['棉衣', '140', '12', '6', '3', '加厚'],
      ['鞋子', '35', '4', '0', '0', ''],
    ])
    expect(w.find('[data-testid="need-progress"]').text()).toContain('已认捐 6 件，共需要 16 件')
    expect(w.find('[data-testid="need-schedule"]').exists()).toBe(false)
  })

  it('shows a funding need’s target, amount per child and money raised from integer fen', () => {
    const need: Need = {
      ...pairingNeed,
      kind: 'funding',
      category: 'scholarship',
      target_fen: 1_600_000,
      per_beneficiary_fen: 400_000,
      progress: { pairings_made: 0, items_pledged: 0, items_delivered: 0, raised_fen: 412_345, spent_fen: 100_000 },
    }
    const w = mount(NeedPublicView, { props: { need }, global: { plugins: [i18n] } })
    expect(w.find('[data-testid="need-facts"]').text()).toContain('¥16,000.00')
    expect(w.find('[data-testid="need-facts"]').text()).toContain('¥4,000.00')
    const progress = w.find('[data-testid="need-progress"]')
    expect(progress.text()).toContain('已筹 ¥4,123.45，目标 ¥16,000.00')
    expect(progress.text()).toContain('已支出 ¥1,000.00')
    expect(progress.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('25')
  })

  it('never renders the case reference or internal notes, even when given', () => {
    const w = mount(NeedPublicView, {
      props: { need: { ...pairingNeed, case_ref: 'LA-SECRET-1', internal_notes: '内部备注不公开' } },
      global: { plugins: [i18n] },
    })
    expect(w.text()).not.toContain('LA-SECRET-1')
    expect(w.text()).not.toContain('内部备注不公开')
  })
})

function doc(id: string, extra: Partial<NeedDoc> = {}): NeedDoc {
  return {
    id,
    title: `需求 ${id}`,
    narrative: '描述',
    org_name: '共青团隆安县委员会',
    county_name: '隆安县',
    county_code: '439921',
    kind: 'pairing',
    category: 'tutoring',
    age_band: '9-11',
    grade_band: '3-5',
    status: 'published',
    mode: 'online',
    online: 'yes',
    subjects: ['math'],
    urgency: 3,
    published_at: 1788418680,
    children: 2,
    deadline: '',
    target_fen: 0,
    raised_fen: 0,
    volunteers_wanted: 2,
    pairings_made: 0,
    ...extra,
  }
}

describe('NeedsView', () => {
  it('searches, shows facet counts, narrows by a chip with counts of the alternatives, and loads more', async () => {
    serve((c) => {
      const u = new URL(c.url, 'http://x')
      if (u.pathname === '/api/v1/auth/me') return anonymous
      if (u.pathname === '/api/v1/counties') return { status: 200, body: { items: [{ code: '439921', name: '隆安县', city: '云溪市' }] } }
      if (u.pathname !== '/api/v1/needs') return undefined
      const kind = u.searchParams.get('kind')
      const facets = {
        kind: kind ? [{ value: kind, count: 2 }] : [
          { value: 'pairing', count: 2 },
          { value: 'in_kind', count: 1 },
        ],
        county_code: [
          { value: '439921', count: 2 },
          { value: '439922', count: 1 },
        ],
        age_band: [{ value: '9-11', count: 3 }],
      }
      if (u.searchParams.get('cursor') === '1') return { status: 200, body: { items: [doc('b')], total: 2, facets, next_cursor: '' } }
      if (kind === 'pairing') return { status: 200, body: { items: [doc('a')], total: 2, facets, next_cursor: '1' } }
      return {
        status: 200,
        body: { items: [doc('a'), doc('c', { kind: 'in_kind', category: 'winter_clothing' })], total: 3, facets, next_cursor: '' },
      }
    })
    const { wrapper, router } = await mountAt('/needs')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="needs-total"]').text()).toBe('共 3 条需求'))
    expect(wrapper.findAll('[data-testid="need-card"]')).toHaveLength(2)
    expect(wrapper.find('[data-testid="chip-kind-pairing"]').text()).toBe('结对2')
    expect(wrapper.find('[data-testid="chip-county_code-439921"]').text()).toBe('隆安县2')
    // A county missing from the register is shown by its code.
    expect(wrapper.find('[data-testid="chip-county_code-439922"]').text()).toBe('4399221')
    // A facet with a single value says nothing and is hidden.
    expect(wrapper.find('[data-testid="facet-age_band"]').exists()).toBe(false)

    await wrapper.find('[data-testid="chip-kind-pairing"]').trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ kind: 'pairing' }))
    await vi.waitFor(() => expect(wrapper.find('[data-testid="needs-total"]').text()).toBe('共 2 条需求'))
    const needCalls = calls.filter((c) => c.url.startsWith('/api/v1/needs?')).map((c) => new URL(c.url, 'http://x').searchParams)
    const main = needCalls.find((p) => p.get('kind') === 'pairing' && p.get('limit') === '12')
    expect(main).toBeDefined()
    // The kind facet is counted without its own filter, so the other kinds stay offered.
    expect(needCalls.some((p) => !p.has('kind') && p.get('limit') === '1')).toBe(true)
    const pressed = wrapper.find('[data-testid="chip-kind-pairing"]')
    expect(pressed.attributes('aria-pressed')).toBe('true')
    expect(wrapper.find('[data-testid="chip-kind-in_kind"]').attributes('aria-pressed')).toBe('false')

    await wrapper.find('[data-testid="needs-load-more"]').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="need-card"]').map((c) => c.find('h3').text())).toEqual(['需求 a', '需求 b'])
    expect(wrapper.find('[data-testid="needs-load-more"]').exists()).toBe(false)
    const more = calls.map((c) => new URL(c.url, 'http://x').searchParams).find((p) => p.get('cursor') === '1')
    expect(more?.get('kind')).toBe('pairing')

    await wrapper.find('[data-testid="needs-search"]').setValue('数学辅导')
    await wrapper.find('form[role="search"]').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ kind: 'pairing', q: '数学辅导' }))
    wrapper.unmount()
  })
})

describe('NeedView', () => {
  it('shows a public need with a sign-up call to action that logs in first', async () => {
    serve((c) => {
      if (c.url === '/api/v1/auth/me') return anonymous
      if (c.url === '/api/v1/counties') return { status: 200, body: { items: [] } }
      if (c.url === '/api/v1/needs/n-pair') return { status: 200, body: pairingNeed, headers: { ETag: '"1"' } }
      return undefined
    })
    const { wrapper, router } = await mountAt('/needs/n-pair')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="need-title"]').exists()).toBe(true))
    const cta = wrapper.find('[data-testid="need-cta"]')
    expect(cta.text()).toBe('报名结对')
    expect(router.resolve(cta.attributes('href') ?? '').query).toEqual({ next: '/volunteer?need=n-pair' })
    expect(wrapper.find('[data-testid="need-cta-note"]').text()).toContain('需要先登录')
    expect(document.title).toBe('周末数学辅导 · 童伴')
    wrapper.unmount()
  })

  it('says the need is not found on a 404', async () => {
    serve((c) => {
      if (c.url === '/api/v1/auth/me') return anonymous
      if (c.url === '/api/v1/counties') return { status: 200, body: { items: [] } }
      if (c.url === '/api/v1/needs/gone') return { status: 404, body: { status: 404, detail: 'need not found.' } }
      return undefined
    })
    const { wrapper } = await mountAt('/needs/gone')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="need-not-found"]').exists()).toBe(true))
    expect(wrapper.find('[data-testid="need-title"]').exists()).toBe(false)
    wrapper.unmount()
  })
})

describe('NeedEditorView', () => {
  const coordinator = makeUser(['staff'], [coordinatorMembership], { id: 'u-1' })
  const idNumber = '11010519491231002X'
  const finding = (start: number, end: number) => ({
    kind: 'id_number',
    start,
    end,
    start_byte: start,
    end_byte: end,
    start_u16: start,
    end_u16: end,
    excerpt: '******************',
    message_en: `Possible ID number at characters ${start}–${end}; remove it before publishing.`,
    message_zh: `第 ${start}–${end} 个字符处疑似身份证号码，请删除后再发布。`,
  })

  it('highlights personal data while typing, and again when the server refuses the draft (422)', async () => {
    serve((c) => {
      if (c.url === '/api/v1/auth/me') return { status: 200, body: { user: coordinator }, headers: { ETag: '"1"' } }
      if (c.url === '/api/v1/counties')
        return { status: 200, body: { items: [{ code: '439921', name: '隆安县', city: '云溪市', townships: [{ code: '439921100', name: '城关镇' }] }] } }
      if (c.url === '/api/v1/privacy/screen') {
        const text = (c.body as { text: string }).text
        const at = text.indexOf(idNumber)
        return { status: 200, body: { findings: at < 0 ? [] : [finding(at, at + idNumber.length)] } }
      }
      if (c.method === 'POST' && c.url === '/api/v1/orgs/o-1/needs') {
        const narrative = (c.body as { narrative: string }).narrative
        const at = narrative.indexOf(idNumber)
        return {
          status: 422,
          body: {
            status: 422,
            detail: `Personal data found: ID number in narrative at ${at}–${at + 18}.`,
            errors: [{ field: 'narrative', reason: 'contains personal data' }],
            details: [{ field: 'narrative', ...finding(at, at + idNumber.length) }],
          },
        }
      }
      return undefined
    })
    const { wrapper } = await mountAt('/staff/needs/new?org=o-1')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="need-form"]').exists()).toBe(true))
    await wrapper.find('[data-testid="need-category"]').setValue('tutoring')
    await wrapper.find('[data-testid="need-title-input"]').setValue('周末数学辅导')
    const narrative = `孩子身份证号${idNumber}，希望有人辅导数学。`
    await wrapper.find('[data-testid="need-narrative-input"]').setValue(narrative)
    await wrapper.find('[data-testid="need-age-min"]').setValue('9')
    await wrapper.find('[data-testid="need-age-max"]').setValue('11')
    await wrapper.find('[data-testid="need-grade-min"]').setValue('3')
    await wrapper.find('[data-testid="need-grade-max"]').setValue('5')
    await wrapper.find('[data-testid="need-subject-math"]').setValue(true)

    // The live screen (debounced) marks the ID number under the text area.
    await vi.waitFor(() => expect(wrapper.find('[data-testid="pii-narrative-mirror"] mark').exists()).toBe(true), { timeout: 3000 })
    expect(wrapper.find('[data-testid="pii-narrative-mirror"] mark').text()).toBe(idNumber)
    expect(wrapper.find('[data-testid="pii-narrative-list"]').text()).toContain('疑似身份证号码')
    const screenCalls = calls.filter((c) => c.url === '/api/v1/privacy/screen')
    expect(screenCalls.every((c) => c.headers['X-CSRF-Token'] === 'test-token-0000000000000000')).toBe(true)
    // The public preview shows what the public would see, without internal fields.
    expect(wrapper.find('[data-testid="need-preview"]').text()).toContain('周末数学辅导')

    await wrapper.find('[data-testid="need-save"]').trigger('click')
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST' && c.url === '/api/v1/orgs/o-1/needs')
    expect(post?.body).toMatchObject({ kind: 'pairing', category: 'tutoring', narrative, age_band: { min: 9, max: 11 }, subjects: ['math'] })
    await vi.waitFor(() => expect(wrapper.find('[data-testid="pii-blocked"]').exists()).toBe(true))
    expect(wrapper.find('[data-testid="pii-blocked"]').text()).toContain('1 处')
    const textarea = wrapper.find('[data-testid="need-narrative-input"]').element as HTMLTextAreaElement
    await vi.waitFor(() => expect(document.activeElement).toBe(textarea))
    expect(narrative.slice(textarea.selectionStart, textarea.selectionEnd)).toBe(idNumber)

    // Fixing the text clears the marks after the next screen.
    await wrapper.find('[data-testid="need-narrative-input"]').setValue('孩子数学基础薄弱，希望有人每周辅导数学。')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="pii-narrative-clean"]').exists()).toBe(true), { timeout: 3000 })
    expect(wrapper.find('[data-testid="pii-narrative-mirror"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pii-blocked"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
