import type { Membership, Role, User } from '@/api/types'
import type { Expense } from '@/api/finance'

/** makeUser builds a User as GET /auth/me returns it. */
export function makeUser(roles: Role[], memberships: Membership[] = [], extra: Partial<User> = {}): User {
  return {
    id: 'u-1',
    email: 'someone@example.org',
    phone: null,
    display_name: '测试用户',
    roles,
    memberships,
    created_at: '2026-01-02T03:04:05Z',
    version: 1,
    ...extra,
  }
}

export const coordinatorMembership: Membership = {
  org_id: 'o-1',
  org_name: '共青团隆安县委员会',
  org_type: 'youth_league',
  county_code: '439921',
  role: 'coordinator',
}

export const financeMembership: Membership = { org_id: 'o-1', org_name: '共青团隆安县委员会', org_type: 'youth_league', county_code: '439921', role: 'finance' }

/** makeExpense builds expense n of the general fund for need n-1 of org o-1. */
export function makeExpense(n: number, extra: Partial<Expense> = {}): Expense {
  return {
    id: `x-${n}`,
    ledger: 'general',
    need_id: 'n-1',
    org_id: 'o-1',
    vendor: `供应商 ${n}`,
    description: '学习用品一批',
    category: 'school_supplies',
    amount_fen: 1000 + n,
    receipts: [],
    status: 'pending',
    created_by: 'u-2',
    created_at: '2026-11-01T02:03:04Z',
    ...extra,
  }
}
