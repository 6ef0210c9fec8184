import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, ensureCsrfCookie, onSessionExpired, readCookie, request } from '@/api/client'
import { createToken, updateDisplayName } from '@/api/endpoints'

interface Call {
  url: string
  init: RequestInit
}

// happy-dom keeps a cookie "expired" with a path; max-age=0 empties it, which
// readCookie treats as absent.
function clearCookies(): void {
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0]?.trim()
    if (name) document.cookie = `${name}=; max-age=0`
  }
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

function problemResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  })
}

let calls: Call[]

function mockFetch(handler: (url: string, init: RequestInit) => Response | Promise<Response>): void {
  calls = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = typeof input === 'string' ? input : input.toString()
      calls.push({ url, init })
      return handler(url, init)
    }),
  )
}

function headerOf(call: Call | undefined, name: string): string | undefined {
  const h = call?.init.headers as Record<string, string> | undefined
  return h?.[name]
}

beforeEach(() => {
  clearCookies()
})

afterEach(() => {
  onSessionExpired(null)
  clearCookies()
})

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('tongban_csrf', 'a=1; tongban_csrf=abc%3D%3D; b=2')).toBe('abc==')
    expect(readCookie('tongban_csrf', 'x_tongban_csrf=1')).toBeUndefined()
    expect(readCookie('tongban_csrf', '')).toBeUndefined()
  })
})

describe('CSRF header', () => {
  it('sends the cookie value on POST, PATCH and DELETE but not on GET', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    mockFetch(() => jsonResponse(200, { ok: true }))
    await request('/stats')
    await request('/auth/tokens', { method: 'POST', body: { name: 'x' } })
    await request('/me', { method: 'PATCH', body: {} })
    await request('/auth/tokens/1', { method: 'DELETE' })
    expect(headerOf(calls[0], 'X-CSRF-Token')).toBeUndefined()
    expect(headerOf(calls[1], 'X-CSRF-Token')).toBe('tok-123456789012345678901')
    expect(headerOf(calls[2], 'X-CSRF-Token')).toBe('tok-123456789012345678901')
    expect(headerOf(calls[3], 'X-CSRF-Token')).toBe('tok-123456789012345678901')
    for (const c of calls) expect(c.init.credentials).toBe('same-origin')
    expect(calls[1]?.init.body).toBe('{"name":"x"}')
    expect(headerOf(calls[1], 'Content-Type')).toBe('application/json')
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/stats',
      '/api/v1/auth/tokens',
      '/api/v1/me',
      '/api/v1/auth/tokens/1',
    ])
  })

  it('calls GET /auth/me first when the cookie is missing, then uses the cookie it set', async () => {
    mockFetch((url) => {
      if (url === '/api/v1/auth/me') {
        document.cookie = 'tongban_csrf=fresh-token-000000000000000'
        return problemResponse(401, { status: 401, title: 'Unauthorized', detail: 'Please log in.' })
      }
      return jsonResponse(200, { user: { id: 'u1' } })
    })
    await request('/auth/login', { method: 'POST', body: { login: 'a', password: 'b' } })
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/v1/auth/me', 'POST /api/v1/auth/login'])
    expect(headerOf(calls[1], 'X-CSRF-Token')).toBe('fresh-token-000000000000000')
  })

  it('makes only one bootstrap call for concurrent requests', async () => {
    mockFetch((url) => {
      if (url === '/api/v1/auth/me') {
        document.cookie = 'tongban_csrf=once-000000000000000000000'
        return problemResponse(401, { status: 401 })
      }
      return new Response(null, { status: 204 })
    })
    await Promise.all([ensureCsrfCookie(), ensureCsrfCookie(), request('/auth/logout', { method: 'POST' })])
    expect(calls.filter((c) => c.url === '/api/v1/auth/me')).toHaveLength(1)
  })
})

describe('problem+json', () => {
  it('parses detail, request id and per-field errors', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    mockFetch(() =>
      problemResponse(400, {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'Invalid input.',
        instance: '/api/v1/auth/signup',
        request_id: 'req-9',
        errors: [
          { field: 'login', reason: 'must be an e-mail address or a mainland mobile number' },
          { field: 'password', reason: 'must be at least 10 characters' },
          { field: 'password', reason: 'a second reason is ignored' },
        ],
      }),
    )
    const err = await request('/auth/signup', { method: 'POST', body: {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const apiErr = err as ApiError
    expect(apiErr.status).toBe(400)
    expect(apiErr.message).toBe('Invalid input.')
    expect(apiErr.detail).toBe('Invalid input.')
    expect(apiErr.problem.request_id).toBe('req-9')
    expect(apiErr.fieldErrors).toEqual({
      login: 'must be an e-mail address or a mainland mobile number',
      password: 'must be at least 10 characters',
    })
  })

  it('copes with an error that is not JSON', async () => {
    mockFetch(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }))
    const err = (await request('/stats').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(502)
    expect(err.fieldErrors).toEqual({})
    expect(err.problem.detail).toBeUndefined()
  })

  it('turns a network failure into status 0', async () => {
    mockFetch(() => {
      throw new TypeError('Failed to fetch')
    })
    const err = (await request('/stats').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(0)
  })
})

describe('responses', () => {
  it('returns undefined data for 204', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    mockFetch(() => new Response(null, { status: 204 }))
    const res = await request('/auth/logout', { method: 'POST' })
    expect(res.status).toBe(204)
    expect(res.data).toBeUndefined()
  })

  it('sends If-Match on PATCH /me and returns the new ETag', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    const user = { id: 'u1', display_name: 'New', roles: [], memberships: [], created_at: '', version: 4 }
    mockFetch(() => jsonResponse(200, { user }, { ETag: '"4"' }))
    const got = await updateDisplayName('New', '"3"')
    expect(headerOf(calls[0], 'If-Match')).toBe('"3"')
    expect(calls[0]?.init.method).toBe('PATCH')
    expect(got.etag).toBe('"4"')
    expect(got.user.display_name).toBe('New')
  })

  it('returns the token secret from POST /auth/tokens', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    mockFetch(() =>
      jsonResponse(201, { token: { id: 't1', name: 'ci', created_at: '2026-01-01T00:00:00Z', prefix: 'tb_abcd' }, secret: 'tb_secret' }),
    )
    const got = await createToken('ci')
    expect(got.secret).toBe('tb_secret')
    expect(got.token.prefix).toBe('tb_abcd')
  })
})

describe('session expiry', () => {
  it('calls the handler for a 401 on a GET, but not for /auth/me or for POSTs', async () => {
    document.cookie = 'tongban_csrf=tok-123456789012345678901'
    const handler = vi.fn()
    onSessionExpired(handler)
    mockFetch(() => problemResponse(401, { status: 401, detail: 'Please log in.' }))
    await request('/auth/me').catch(() => undefined)
    expect(handler).not.toHaveBeenCalled()
    await request('/auth/password', { method: 'POST', body: {} }).catch(() => undefined)
    expect(handler).not.toHaveBeenCalled()
    await request('/auth/tokens').catch(() => undefined)
    expect(handler).toHaveBeenCalledTimes(1)
  })
})
