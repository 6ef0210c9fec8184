import type { FieldError, Problem } from './types'

/** API_BASE is the path prefix of every API call. */
export const API_BASE = '/api/v1'

/** CSRF_COOKIE is the readable cookie the server sets for double-submit CSRF protection. */
export const CSRF_COOKIE = 'tongban_csrf'

/** CSRF_HEADER carries the CSRF cookie's value on every state-changing request. */
export const CSRF_HEADER = 'X-CSRF-Token'

/**
 * ApiError is thrown for every failed API call: an HTTP error answer
 * (status ≥ 400, usually application/problem+json) or a network failure
 * (status 0).
 */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** fieldErrors maps a request field name to the server's reason. */
  readonly fieldErrors: Record<string, string>

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.fieldErrors = fieldErrorMap(problem.errors)
  }

  /** detail is the human-readable message of the problem, if the server sent one. */
  get detail(): string | undefined {
    return this.problem.detail || this.problem.title || undefined
  }
}

function fieldErrorMap(errors: FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(errors)) return out
  for (const e of errors) {
    if (!e || typeof e.field !== 'string' || typeof e.reason !== 'string') continue
    // Keep the first reason given for a field.
    if (!(e.field in out)) out[e.field] = e.reason
  }
  return out
}

/** readCookie returns the value of a cookie visible to scripts, or undefined. */
export function readCookie(name: string, cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim()
      try {
        return decodeURIComponent(raw)
      } catch {
        return raw
      }
    }
  }
  return undefined
}

let acceptLanguage = 'zh-CN'

/** setApiLanguage sets the Accept-Language sent with API calls (the interface locale). */
export function setApiLanguage(locale: string): void {
  acceptLanguage = locale
}

/** RequestOptions describes one API call. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** body is sent as JSON. */
  body?: unknown
  /** ifMatch is sent as the If-Match header (an entity tag, quotes included). */
  ifMatch?: string
  /** idempotencyKey is sent as the Idempotency-Key header of money POSTs. */
  idempotencyKey?: string
  signal?: AbortSignal
}

/** ApiResponse is a successful answer: the parsed JSON body (undefined for 204) and the headers. */
export interface ApiResponse<T> {
  status: number
  data: T
  headers: Headers
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

async function parseProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('Content-Type') ?? ''
  if (type.includes('json')) {
    try {
      const body: unknown = await res.json()
      if (body && typeof body === 'object') return body as Problem
    } catch {
      // Fall through to a problem built from the status alone.
    }
  }
  return { status: res.status, title: res.statusText || undefined }
}

let csrfBootstrap: Promise<void> | null = null

let unauthorizedHandler: (() => void) | null = null

/**
 * onSessionExpired registers what to do when a GET (other than /auth/me)
 * answers 401: the session ended while the page was open.
 */
export function onSessionExpired(handler: (() => void) | null): void {
  unauthorizedHandler = handler
}

/**
 * ensureCsrfCookie makes sure the CSRF cookie exists, calling GET /auth/me
 * once if it does not (that call sets it, whatever its status).
 */
export async function ensureCsrfCookie(): Promise<string | undefined> {
  let token = readCookie(CSRF_COOKIE)
  if (token) return token
  if (!csrfBootstrap) {
    csrfBootstrap = fetch(`${API_BASE}/auth/me`, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        csrfBootstrap = null
      })
  }
  await csrfBootstrap
  token = readCookie(CSRF_COOKIE)
  return token
}

/**
 * request performs one API call. Paths are relative to API_BASE. Non-GET
 * requests carry the CSRF header. Errors are thrown as ApiError.
 */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const method = opts.method ?? 'GET'
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': acceptLanguage,
  }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey
  if (!SAFE_METHODS.has(method)) {
    const token = await ensureCsrfCookie()
    if (token) headers[CSRF_HEADER] = token
  }
  let res: Response
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError(0, { status: 0 })
  }
  if (!res.ok) {
    const err = new ApiError(res.status, await parseProblem(res))
    if (res.status === 401 && method === 'GET' && path !== '/auth/me' && unauthorizedHandler) {
      unauthorizedHandler()
    }
    throw err
  }
  let data: unknown = undefined
  if (res.status !== 204) {
    const text = await res.text()
    if (text) {
      try {
        data = JSON.parse(text)
      } catch {
        throw new ApiError(res.status, { status: res.status, title: 'Invalid JSON in response' })
      }
    }
  }
  return { status: res.status, data: data as T, headers: res.headers }
}

/** get is request() for a GET returning only the body. */
export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request<T>(path, { signal })).data
}

/** post is request() for a POST returning only the body. */
export async function post<T>(path: string, body?: unknown): Promise<T> {
  return (await request<T>(path, { method: 'POST', body })).data
}

/** del is request() for a DELETE. */
export async function del(path: string): Promise<void> {
  await request<unknown>(path, { method: 'DELETE' })
}
