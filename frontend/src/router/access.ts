import type { User } from '@/api/types'

/** Area is a role-specific part of the app. */
export type Area = 'volunteer' | 'donor' | 'staff' | 'admin'

/** AREAS lists the areas in the order the navigation shows them. */
export const AREAS: readonly Area[] = ['volunteer', 'donor', 'staff', 'admin']

/** AREA_PATHS maps each area to its route path. */
export const AREA_PATHS: Record<Area, string> = {
  volunteer: '/volunteer',
  donor: '/donor',
  staff: '/staff',
  admin: '/admin',
}

/** canEnter tells whether a user's roles and memberships open an area. */
export function canEnter(user: User | null | undefined, area: Area): boolean {
  if (!user) return false
  switch (area) {
    case 'volunteer':
      return user.roles.includes('volunteer')
    case 'donor':
      return user.roles.includes('donor')
    case 'admin':
      return user.roles.includes('admin')
    case 'staff':
      return user.memberships.length > 0 || user.roles.includes('staff')
  }
}

/** allowedAreas lists the areas a user may enter, in navigation order. */
export function allowedAreas(user: User | null | undefined): Area[] {
  return AREAS.filter((a) => canEnter(user, a))
}

/** homePathFor is where a user lands after signing in without a `next` target. */
export function homePathFor(user: User): string {
  const order: Area[] = ['admin', 'staff', 'volunteer', 'donor']
  const first = order.find((a) => canEnter(user, a))
  return first ? AREA_PATHS[first] : '/profile'
}

/**
 * safeNext accepts a `next` query value only if it is a same-origin path
 * ("/x", not "//host" or "/\\host" or "https://…"); otherwise undefined.
 */
export function safeNext(next: unknown): string | undefined {
  const v = Array.isArray(next) ? next[0] : next
  if (typeof v !== 'string') return undefined
  if (!v.startsWith('/') || v.startsWith('//') || v.startsWith('/\\')) return undefined
  if (/[\u0000-\u001f]/.test(v)) return undefined
  if (v === '/login' || v.startsWith('/login?') || v === '/signup' || v.startsWith('/signup?')) return undefined
  return v
}

/** RouteAccess is the access rule a route declares in its meta. */
export interface RouteAccess {
  /** requiresAuth: only signed-in users. */
  requiresAuth?: boolean
  /** area: only users who may enter this area (implies requiresAuth). */
  area?: Area
  /** guestOnly: signed-in users are sent to their home instead (login, sign-up). */
  guestOnly?: boolean
}

/** Decision is what the navigation guard does with a navigation. */
export type Decision =
  | { kind: 'allow' }
  | { kind: 'login'; next: string }
  | { kind: 'forbidden'; from: string }
  | { kind: 'redirect'; path: string }

/** decide applies a route's access rule to the current user. */
export function decide(access: RouteAccess, user: User | null | undefined, fullPath: string): Decision {
  if (access.guestOnly && user) {
    return { kind: 'redirect', path: homePathFor(user) }
  }
  if ((access.requiresAuth || access.area) && !user) {
    return { kind: 'login', next: fullPath }
  }
  if (access.area && !canEnter(user, access.area)) {
    return { kind: 'forbidden', from: fullPath }
  }
  return { kind: 'allow' }
}
