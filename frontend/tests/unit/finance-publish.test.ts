import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { Expense } from '@/api/finance'
import { makeExpense } from './fixtures'
import { expenseCalls, serveExpensePages, type ExpensePages } from './expense-pages'
import { mountApp, range } from './mount'

// The publish-receipts page reads the approved expenses page by page (at
// most 100 a page) and follows next_cursor with "load more"; publishing a
// receipt refreshes the thumbnails without losing the pages loaded.

const sha = (n: number) => n.toString(16).padStart(64, '0')

function expense(n: number): Expense {
  return makeExpense(n, { receipts: [{ sha256: sha(n), content_type: 'image/jpeg', kind: 'invoice' }], status: 'approved' })
}

function serve(pages: ExpensePages): void {
  const thumbnails: Record<string, string> = {}
  serveExpensePages(pages, (method, path, json) => {
    if (path === '/api/v1/campaigns/general/ledger') return json(200, { items: [], thumbnails: { ...thumbnails } })
    if (path === `/api/v1/expenses/x-150/receipts/${sha(150)}/publication` && method === 'POST') {
      thumbnails[sha(150)] = '/thumbs/x-150.jpg'
      return json(200, { url: '/thumbs/x-150.jpg' })
    }
    return undefined
  })
}

const mountAt = async (path: string) => (await mountApp(path)).wrapper

function listed(wrapper: Awaited<ReturnType<typeof mountAt>>): string[] {
  return wrapper.findAll('[data-testid^="publish-expense-x-"]').map((a) => a.attributes('data-testid') ?? '')
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
