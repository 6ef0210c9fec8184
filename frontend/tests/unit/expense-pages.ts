import { vi } from 'vitest'
import type { Expense } from '@/api/finance'
import { financeMembership, makeUser } from './fixtures'

// serveExpensePages stubs fetch as the server a finance page of the
// general fund talks to: a finance user of o-1, empty campaigns and
// balances, and the expense list answered page by page from pages (a
// cursor, '' for the first page, to the page). other answers the requests
// a page makes besides (undefined: 404 "unmocked").

export type Json = (status: number, body: unknown) => Response
export type ExpensePages = Record<string, { items: Expense[]; next_cursor: string | null }>

const calls: { method: string; url: URL }[] = []

export function serveExpensePages(pages: ExpensePages, other: (method: string, path: string, json: Json) => Response | undefined): void {
  document.cookie = 'tongban_csrf=test-token-0000000000000000'
  calls.length = 0
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), 'http://localhost')
      const method = init.method ?? 'GET'
      calls.push({ method, url })
      const json: Json = (status, body) =>
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
      if (path === '/api/v1/expenses' && method === 'GET') {
        const page = pages[url.searchParams.get('cursor') ?? '']
        return page ? json(200, page) : json(400, { status: 400, detail: 'bad cursor' })
      }
      return other(method, path, json) ?? json(404, { status: 404, detail: `unmocked ${method} ${path}` })
    }),
  )
}

/** expenseCalls are the query strings of the expense-list requests made. */
export function expenseCalls(): URLSearchParams[] {
  return calls.filter((c) => c.url.pathname === '/api/v1/expenses' && c.method === 'GET').map((c) => c.url.searchParams)
}
