import type { RouteRecordRaw } from 'vue-router'

/** financeRoutes are the finance-staff pages: balances, offline gifts, allocations, expenses and approvals. */
export const financeRoutes: RouteRecordRaw[] = [
  {
    path: '/staff/finance',
    name: 'finance',
    component: () => import('@/views/money/finance/FinanceHomeView.vue'),
    meta: { area: 'staff', titleKey: 'finance.home.title' },
  },
  {
    path: '/staff/finance/gifts/new',
    name: 'finance-gift',
    component: () => import('@/views/money/finance/FinanceGiftView.vue'),
    meta: { area: 'staff', titleKey: 'finance.gift.title' },
  },
  {
    path: '/staff/finance/allocate',
    name: 'finance-allocate',
    component: () => import('@/views/money/finance/FinanceAllocateView.vue'),
    meta: { area: 'staff', titleKey: 'finance.allocate.title' },
  },
  {
    path: '/staff/finance/expenses/new',
    name: 'finance-expense',
    component: () => import('@/views/money/finance/FinanceExpenseView.vue'),
    meta: { area: 'staff', titleKey: 'finance.expense.title' },
  },
  {
    path: '/staff/finance/approvals',
    name: 'finance-approvals',
    component: () => import('@/views/money/finance/FinanceApprovalsView.vue'),
    meta: { area: 'staff', titleKey: 'finance.approvals.title' },
  },
]
