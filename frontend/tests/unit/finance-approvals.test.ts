import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { setLocale } from '@/i18n'
import type { Expense } from '@/api/finance'
import { makeExpense } from './fixtures'
import { expenseCalls, serveExpensePages, type ExpensePages } from './expense-pages'
import { mountApp, range } from './mount'

// The approval queue reads the expenses page by page (at most 100 a page)
// and follows next_cursor with "load more"; a decided expense leaves the
// list without losing the pages already loaded.

const expense = (n: number): Expense => makeExpense(n)

function serve(pages: ExpensePages): void {
  serveExpensePages(pages, (method, path, json) => {
    if (path === '/api/v1/orgs/o-1/members') return json(200, { items: [] })
    if (path === '/api/v1/expenses/x-150/approve' && method === 'POST')
      return json(200, { expense: { ...expense(150), status: 'approved' }, entry: { id: 'general-4', seq: 4, hash: 'ab'.repeat(32) } })
    return undefined
  })
}

const mountAt = async (path: string) => (await mountApp(path)).wrapper

function listed(wrapper: Awaited<ReturnType<typeof mountAt>>): string[] {
  return wrapper.findAll('[data-testid^="expense-x-"]').map((li) => li.attributes('data-testid') ?? '')
}

afterEach(() => {
  document.body.innerHTML = ''
  setLocale('zh-CN')
})

describe('FinanceApprovalsView paging', () => {
  it('loads more than 100 pending expenses page by page', async () => {
    serve({
      '': { items: range(1, 100).map(expense), next_cursor: 'c100' },
      c100: { items: range(101, 200).map(expense), next_cursor: 'c200' },
      c200: { items: range(201, 230).map(expense), next_cursor: null },
    })
    const wrapper = await mountAt('/staff/finance/approvals?ledger=general&status=pending')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    expect(wrapper.get('[data-testid="approvals-count"]').text()).toBe('已显示 100 笔，还有更多。')
    const first = expenseCalls()[0]
    expect([first?.get('ledger'), first?.get('status'), first?.get('limit'), first?.get('cursor')]).toEqual(['general', 'pending', '100', null])

    await wrapper.get('[data-testid="approvals-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toHaveLength(200)
    await wrapper.get('[data-testid="approvals-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toEqual(range(1, 230).map((n) => `expense-x-${n}`))
    expect(expenseCalls().map((q) => q.get('cursor'))).toEqual([null, 'c100', 'c200'])
    // The last page: no button, the full count.
    expect(wrapper.find('[data-testid="approvals-more"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="approvals-count"]').text()).toBe('共 230 笔。')
  })

  it('takes an approved expense out of the list and keeps the pages loaded', async () => {
    serve({
      '': { items: range(1, 100).map(expense), next_cursor: 'c100' },
      c100: { items: range(101, 160).map(expense), next_cursor: null },
    })
    const wrapper = await mountAt('/staff/finance/approvals?ledger=general&status=pending')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    await wrapper.get('[data-testid="approvals-more"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="expense-x-150"] [data-testid="approve"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toHaveLength(159)
    expect(listed(wrapper)).not.toContain('expense-x-150')
    expect(wrapper.get('[data-testid="approvals-notice"]').text()).toContain('4')
    // Only the two pages were read: no reload back to the first page.
    expect(expenseCalls()).toHaveLength(2)
  })

  it('shows the error of a page that fails and keeps what was loaded', async () => {
    serve({ '': { items: range(1, 100).map(expense), next_cursor: 'gone' } })
    const wrapper = await mountAt('/staff/finance/approvals?ledger=general&status=pending')
    await vi.waitFor(() => expect(listed(wrapper)).toHaveLength(100))
    await wrapper.get('[data-testid="approvals-more"]').trigger('click')
    await flushPromises()
    expect(listed(wrapper)).toHaveLength(100)
    expect(wrapper.text()).toContain('bad cursor')
  })
})
