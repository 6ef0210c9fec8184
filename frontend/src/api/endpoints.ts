import { del, get, post, request } from './client'
import type {
  AdminUser,
  ApiToken,
  AuditEntry,
  County,
  CreatedToken,
  Organisation,
  OrgType,
  Page,
  PublicStats,
  SelfRole,
  User,
  UserEnvelope,
} from './types'

/** UserWithTag is a user and the entity tag to send back in If-Match. */
export interface UserWithTag {
  user: User
  etag: string
}

function etagOf(headers: Headers, user: User): string {
  return headers.get('ETag') ?? `"${user.version}"`
}

function cursorQuery(cursor?: string | null, limit?: number): string {
  const q = new URLSearchParams()
  if (cursor) q.set('cursor', cursor)
  if (limit) q.set('limit', String(limit))
  const s = q.toString()
  return s ? `?${s}` : ''
}

export async function fetchMe(): Promise<UserWithTag> {
  const res = await request<UserEnvelope>('/auth/me')
  return { user: res.data.user, etag: etagOf(res.headers, res.data.user) }
}

export async function login(loginName: string, password: string): Promise<User> {
  return (await post<UserEnvelope>('/auth/login', { login: loginName, password })).user
}

export interface SignupInput {
  login: string
  password: string
  display_name: string
  roles: SelfRole[]
}

export async function signup(input: SignupInput): Promise<User> {
  return (await post<UserEnvelope>('/auth/signup', input)).user
}

export async function logout(): Promise<void> {
  await post<void>('/auth/logout')
}

export async function changePassword(current: string, next: string): Promise<void> {
  await post<void>('/auth/password', { current_password: current, new_password: next })
}

export async function updateDisplayName(displayName: string, etag: string): Promise<UserWithTag> {
  const res = await request<UserEnvelope>('/me', {
    method: 'PATCH',
    body: { display_name: displayName },
    ifMatch: etag,
  })
  return { user: res.data.user, etag: etagOf(res.headers, res.data.user) }
}

export async function listTokens(): Promise<ApiToken[]> {
  return (await get<Page<ApiToken>>('/auth/tokens')).items ?? []
}

export async function createToken(name: string): Promise<CreatedToken> {
  return post<CreatedToken>('/auth/tokens', { name })
}

export async function revokeToken(id: string): Promise<void> {
  await del(`/auth/tokens/${encodeURIComponent(id)}`)
}

/** EXPORT_URL downloads the signed-in user's data as a JSON file. */
export const EXPORT_URL = '/api/v1/me/export'

export async function fetchStats(signal?: AbortSignal): Promise<PublicStats> {
  return get<PublicStats>('/stats', signal)
}

export async function listOrgs(cursor?: string | null): Promise<Page<Organisation>> {
  return get<Page<Organisation>>(`/orgs${cursorQuery(cursor)}`)
}

export interface OrgInput {
  name: string
  type: OrgType
  county_code: string
}

export async function listCounties(): Promise<County[]> {
  return (await get<{ items: County[] }>('/counties')).items ?? []
}

export async function createOrg(input: OrgInput): Promise<void> {
  await post<unknown>('/orgs', input)
}

export async function listAdminUsers(cursor?: string | null, limit = 50): Promise<Page<AdminUser>> {
  return get<Page<AdminUser>>(`/admin/users${cursorQuery(cursor, limit)}`)
}

export async function listAudit(cursor?: string | null): Promise<Page<AuditEntry>> {
  return get<Page<AuditEntry>>(`/admin/audit${cursorQuery(cursor)}`)
}
