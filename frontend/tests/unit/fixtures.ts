import type { Membership, Role, User } from '@/api/types'

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
