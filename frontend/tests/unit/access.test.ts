import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { allowedAreas, canEnter, decide, homePathFor, safeNext } from '@/router/access'
import { makeRouter } from '@/router'
import type { User } from '@/api/types'
import { coordinatorMembership, makeUser } from './fixtures'

const volunteer = makeUser(['volunteer'])
const donor = makeUser(['donor'])
const both = makeUser(['volunteer', 'donor'])
const admin = makeUser(['admin'])
// The server adds 'staff' to the roles of users with a membership.
const coordinator = makeUser(['staff'], [coordinatorMembership])

describe('canEnter / allowedAreas', () => {
  it.each<[string, User | null, string[]]>([
    ['nobody', null, []],
    ['volunteer', volunteer, ['volunteer']],
    ['donor', donor, ['donor']],
    ['volunteer+donor', both, ['volunteer', 'donor']],
    ['admin', admin, ['admin']],
    ['coordinator', coordinator, ['staff']],
    ['membership without the staff role', makeUser(['volunteer'], [coordinatorMembership]), ['volunteer', 'staff']],
  ])('%s may enter %j', (_name, user, want) => {
    expect(allowedAreas(user)).toEqual(want)
  })

  it('denies every area to a user with no roles', () => {
    const u = makeUser([])
    for (const a of ['volunteer', 'donor', 'staff', 'admin'] as const) expect(canEnter(u, a)).toBe(false)
  })
})

describe('homePathFor', () => {
  it('prefers admin, then staff, then volunteer, then donor', () => {
    expect(homePathFor(makeUser(['admin', 'volunteer']))).toBe('/admin')
    expect(homePathFor(makeUser(['volunteer', 'staff'], [coordinatorMembership]))).toBe('/staff')
    expect(homePathFor(both)).toBe('/volunteer')
    expect(homePathFor(donor)).toBe('/donor')
    expect(homePathFor(makeUser([]))).toBe('/profile')
  })
})

describe('safeNext', () => {
  it.each<[unknown, string | undefined]>([
    ['/admin', '/admin'],
    ['/profile?tab=tokens#x', '/profile?tab=tokens#x'],
    [['/donor', '/admin'], '/donor'],
    ['//evil.example/x', undefined],
    ['/\\evil.example', undefined],
    ['https://evil.example/', undefined],
    ['javascript:alert(1)', undefined],
    ['admin', undefined],
    ['/login', undefined],
    ['/login?next=/admin', undefined],
    ['/signup', undefined],
    ['/a\nb', undefined],
    [undefined, undefined],
    [42, undefined],
  ])('safeNext(%j) = %j', (input, want) => {
    expect(safeNext(input)).toBe(want)
  })
})

describe('decide', () => {
  it('sends anonymous users of protected pages to login with the page as next', () => {
    expect(decide({ area: 'admin' }, null, '/admin?x=1')).toEqual({ kind: 'login', next: '/admin?x=1' })
    expect(decide({ requiresAuth: true }, null, '/profile')).toEqual({ kind: 'login', next: '/profile' })
  })

  it('forbids areas the user has no role for', () => {
    expect(decide({ area: 'admin' }, volunteer, '/admin')).toEqual({ kind: 'forbidden', from: '/admin' })
    expect(decide({ area: 'staff' }, both, '/staff')).toEqual({ kind: 'forbidden', from: '/staff' })
    expect(decide({ area: 'volunteer' }, donor, '/volunteer')).toEqual({ kind: 'forbidden', from: '/volunteer' })
  })

  it('allows matching roles and public pages', () => {
    expect(decide({ area: 'admin' }, admin, '/admin')).toEqual({ kind: 'allow' })
    expect(decide({ area: 'staff' }, coordinator, '/staff')).toEqual({ kind: 'allow' })
    expect(decide({ requiresAuth: true }, donor, '/profile')).toEqual({ kind: 'allow' })
    expect(decide({}, null, '/')).toEqual({ kind: 'allow' })
  })

  it('sends signed-in users away from login and sign-up', () => {
    expect(decide({ guestOnly: true }, admin, '/login')).toEqual({ kind: 'redirect', path: '/admin' })
    expect(decide({ guestOnly: true }, null, '/login')).toEqual({ kind: 'allow' })
  })
})

describe('router guards (wired into vue-router)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  function serveMe(user: User | null): void {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        user
          ? new Response(JSON.stringify({ user }), { status: 200, headers: { 'Content-Type': 'application/json', ETag: '"1"' } })
          : new Response(JSON.stringify({ status: 401, detail: 'Please log in.' }), {
              status: 401,
              headers: { 'Content-Type': 'application/problem+json' },
            }),
      ),
    )
  }

  async function landAt(user: User | null, path: string): Promise<string> {
    serveMe(user)
    const router = makeRouter(createPinia(), createMemoryHistory())
    await router.push(path)
    return router.currentRoute.value.fullPath
  }

  it('redirects an anonymous visitor of /admin to /login?next=/admin', async () => {
    expect(await landAt(null, '/admin')).toBe('/login?next=/admin')
  })

  it('shows the 403 page to a volunteer opening /admin', async () => {
    expect(await landAt(volunteer, '/admin')).toBe('/403?from=/admin')
  })

  it('lets an admin into /admin and staff into /staff', async () => {
    expect(await landAt(admin, '/admin')).toBe('/admin')
    expect(await landAt(coordinator, '/staff')).toBe('/staff')
  })

  it('sends a signed-in donor from /login to the donor area', async () => {
    expect(await landAt(donor, '/login')).toBe('/donor')
  })

  it('lets anyone see the home page', async () => {
    expect(await landAt(null, '/')).toBe('/')
  })
})
