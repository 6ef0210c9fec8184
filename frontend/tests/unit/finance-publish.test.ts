import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { Expense } from '@/api/finance'
import { financeMembership, makeExpense, makeUser } from './fixtures'
import { mountApp, range } from './mount'

// The publish-receipts page reads the approved expenses page by page (at
// most 100 a page) and follows next_cursor with "load more"; publishing a
// receipt refreshes the thumbnails without losing the pages loaded.

interface Call {
  method: string
  url: URL
}

let calls: Call[] = []



const sha = (n: number) => n.toString(16).padStart(64, '0')

function expense(n: number): Expense {
  return makeExpense(n, { receipts: [{ sha256: sha(n), content_type: 'image/jpeg', kind: 'invoice' }], status: 'approved' })
}

/** pages maps a cursor ('' = first page) to the page the server answers. */
function serve(pages: Record<string, { items: Expense[]; next_cursor: string | null }>): void {
  document.cookie = 'tongban_csrf=test-token-0000000000000000'
  calls = []
  const thumbnails: Record<string, string> = {}
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), 'http://localhost')
      const method = init.method ?? 'GET'
      calls.push({ method, url })
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } })
      const path = url.pathname
      if (path === '/api/v1/auth/me') return json(200, { user: makeUser(['donor'], [financeMembership]) })
      if (path === '/api/v1/campaigns') return json(200, { items: [], next_cursor: null })
      if (path === '/api/v1/ledgers/general/balances')
        return json(200, {
          ledger: 'general',
          as_of_seq: 3,
          totals: { raised_fen: 0, allocated_fen: 0, spent_fen: 0, refunded_fen: 0, unallocated_fen: 0, held_by_needs_fen: 0, balance_fen: 0 },
          pool_fen: 0,
          needs: [],
        })
      if (path === '/api/v1/campaigns/general/ledger') return json(200, { items: [], thumbnails: { ...thumbnails } })
      if (path === '/api/v1/expenses' && method === 'GET') {
        const page = pages[url.searchParams.get('cursor') ?? '']
        return page ? json(200, page) : json(400, { status: 400, detail: 'bad cursor' })
      }
      if (path === `/api/v1/expenses/x-150/receipts/${sha(150)}/publication` && method === 'POST') {
        thumbnails[sha(150)] = '/thumbs/x-150.jpg'
        return json(200, { url: '/thumbs/x-150.jpg' })
      }
      return json(404, { status: 404, detail: `unmocked ${method} ${path}` })
    }),
  )
}

const mountAt = async (path: string) => (await mountApp(path)).wrapper

function listed(wrapper: Awaited<ReturnType<typeof mountAt>>): string[] {
  return wrapper.findAll('[data-testid^="publish-expense-x-"]').map((a) => a.attributes('data-testid') ?? '')
}

function expenseCalls(): URLSearchParams[] {
  return calls.filter((c) => c.url.pathname === '/api/v1/expenses' && c.method === 'GET').map((c) => c.url.searchParams)
}

afterEach(() => {
  document.body.innerHTML = ''
  setLocale('zh-CN')
})

describe('FinancePublishView paging', () => {
  it('loads 230 approved expenses over 3 pages', async () => {
    serve({
      '': { items: range(1, 100).map(expense), next_cursor: 'c100' },
      c100: { items: range(101, 200).map(expense), next_cursor: 'c200' },
      c200: { items: range(201, 230).map(expense), next_cursor: null },
    })
    const wrapper = await mountAt('/staff/finance/receipts?ledger=general')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    expect(wrapper.get('[data-testid="publish-count"]').text()).toBe('已显示 100 笔，还有更多。')
    expect(wrapper.find('[data-testid="publish-empty"]').exists()).toBe(false)
    const first = expenseCalls()[0]
    expect([first?.get('ledger'), first?.get('status'), first?.get('limit'), first?.get('cursor')]).toEqual(['general', 'approved', '100', null])

    await wrapper.get('[data-testid="publish-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toHaveLength(200)
    await wrapper.get('[data-testid="publish-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toEqual(range(1, 230).map((n) => `publish-expense-x-${n}`))
    expect(expenseCalls().map((q) => [q.get('status'), q.get('cursor')])).toEqual([
      ['approved', null],
      ['approved', 'c100'],
      ['approved', 'c200'],
    ])
    // The last page: no button, the full count.
    expect(wrapper.find('[data-testid="publish-more"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="publish-count"]').text()).toBe('共 230 笔。')
  })

  it('publishes a receipt of the second page and keeps the pages loaded', async () => {
    serve({
      '': { items: range(1, 100).map(expense), next_cursor: 'c100' },
      c100: { items: range(101, 160).map(expense), next_cursor: null },
    })
    const wrapper = await mountAt('/staff/finance/receipts?ledger=general')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    await wrapper.get('[data-testid="publish-more"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="publish-expense-x-150"] [data-testid="publish"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="publish-expense-x-150"] img').attributes('src')).toBe('/thumbs/x-150.jpg')
    expect(listed(wrapper)).toHaveLength(160)
    // Only the two pages were read: no reload back to the first page.
    expect(expenseCalls()).toHaveLength(2)
  })

  it('shows the error of a page that fails and keeps what was loaded', async () => {
    serve({ '': { items: range(1, 100).map(expense), next_cursor: 'gone' } })
    const wrapper = await mountAt('/staff/finance/receipts?ledger=general')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    await wrapper.get('[data-testid="publish-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toHaveLength(100)
    expect(wrapper.text()).toContain('bad cursor')
  })

  it('says so when there is no approved expense', async () => {
    serve({ '': { items: [], next_cursor: null } })
    const wrapper = await mountAt('/staff/finance/receipts?ledger=general')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="publish-empty"]').exists()).toBe(true))
    expect(wrapper.find('[data-testid="publish-count"]').exists()).toBe(false)
  })
})
