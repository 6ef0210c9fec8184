import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import App from '@/App.vue'
import { i18n, setLocale } from '@/i18n'
import { makeRouter } from '@/router'

interface Reply {
  status: number
  body?: unknown
  type?: string
}

function serve(routes: Record<string, Reply>): void {
  document.cookie = 'tongban_csrf=test-token-0000000000000000'
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const key = `${init.method ?? 'GET'} ${String(input)}`
      const r = routes[key]
      if (!r) return new Response(JSON.stringify({ status: 404, detail: `unmocked ${key}` }), { status: 404 })
      return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
        status: r.status,
        headers: { 'Content-Type': r.type ?? 'application/json' },
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

// Element Plus shows a field's error message 100 ms after the state changes.
async function fieldError(wrapper: { find: (s: string) => { exists: () => boolean; text: () => string } }): Promise<string> {
  await vi.waitFor(() => expect(wrapper.find('.el-form-item__error').exists()).toBe(true))
  return wrapper.find('.el-form-item__error').text()
}

afterEach(() => {
  document.body.innerHTML = ''
  setLocale('zh-CN')
})

const anonymous: Record<string, Reply> = {
  'GET /api/v1/auth/me': { status: 401, type: 'application/problem+json', body: { status: 401, detail: 'Please log in.' } },
}

describe('LoginView', () => {
  it('shows the problem detail of a failed login', async () => {
    serve({
      ...anonymous,
      'POST /api/v1/auth/login': {
        status: 401,
        type: 'application/problem+json',
        body: { status: 401, title: 'Unauthorized', detail: 'Wrong login or password.', request_id: 'req-42' },
      },
    })
    const { wrapper } = await mountAt('/login')
    await wrapper.find('input[name="login"]').setValue('volunteer@tongban.example')
    await wrapper.find('input[name="password"]').setValue('not-the-password')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const alert = wrapper.find('[data-testid="error-alert"]')
    expect(alert.exists()).toBe(true)
    expect(alert.text()).toContain('Wrong login or password.')
    expect(alert.text()).toContain('req-42')
    wrapper.unmount()
  })

  it('shows per-field errors from errors[] next to the fields', async () => {
    serve({
      ...anonymous,
      'POST /api/v1/auth/login': {
        status: 400,
        type: 'application/problem+json',
        body: {
          status: 400,
          detail: 'Invalid input.',
          errors: [{ field: 'password', reason: 'is required by the server' }],
        },
      },
    })
    const { wrapper } = await mountAt('/login')
    await wrapper.find('input[name="login"]').setValue('13800138000')
    await wrapper.find('input[name="password"]').setValue('x')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(await fieldError(wrapper)).toBe('is required by the server')
    wrapper.unmount()
  })

  it('does not call the server when the login is neither an e-mail nor a mobile number', async () => {
    serve(anonymous)
    const { wrapper } = await mountAt('/login')
    await wrapper.find('input[name="login"]').setValue('nobody')
    await wrapper.find('input[name="password"]').setValue('something long')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const calls = (fetch as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((c) => `${(c[1] as RequestInit | undefined)?.method ?? 'GET'} ${String(c[0])}`)
    expect(calls).not.toContain('POST /api/v1/auth/login')
    expect(await fieldError(wrapper)).toBe(i18n.global.t('auth.loginFormat'))
    wrapper.unmount()
  })

  it('signs in and goes to the next page', async () => {
    const user = {
      id: 'u1',
      email: 'admin@tongban.example',
      display_name: '系统管理员',
      roles: ['admin'],
      memberships: [],
      created_at: '2026-01-01T00:00:00Z',
      version: 1,
    }
    serve({
      ...anonymous,
      'POST /api/v1/auth/login': { status: 200, body: { user } },
      'GET /api/v1/admin/users?limit=50': { status: 200, body: { items: [], next_cursor: '' } },
      'GET /api/v1/orgs': { status: 200, body: { items: [], next_cursor: '' } },
      'GET /api/v1/admin/audit': { status: 200, body: { items: [], next_cursor: '' } },
      'GET /api/v1/counties': { status: 200, body: { items: [] } },
    })
    const { wrapper, router } = await mountAt('/login?next=/admin')
    await wrapper.find('input[name="login"]').setValue('admin@tongban.example')
    await wrapper.find('input[name="password"]').setValue('Tongban-Demo-2026')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/admin'))
    expect(wrapper.find('[data-testid="nav-admin"]').exists()).toBe(true)
    wrapper.unmount()
  })
})

describe('language switch', () => {
  it('switches to English, sets <html lang> and remembers the choice', async () => {
    serve({ ...anonymous, 'GET /api/v1/stats': { status: 200, body: { organisations: 0, counties: 0, volunteers: 0, donors: 0, campaigns: [] } } })
    const { wrapper } = await mountAt('/')
    expect(wrapper.find('h1').text()).toBe(i18n.global.t('home.title'))
    await wrapper.find('[data-testid="lang-switch"]').trigger('click')
    expect(document.documentElement.lang).toBe('en')
    expect(localStorage.getItem('tongban.locale')).toBe('en')
    expect(wrapper.find('h1').text()).toBe('Every hour of care and every yuan, visible')
    wrapper.unmount()
  })
})
