import { ApiError } from '@/api/client'

type Translate = (key: string, params?: Record<string, unknown>) => string

/**
 * errorMessage turns a thrown value into the message shown to the user:
 * the server's problem detail when there is one, otherwise a localized
 * text chosen by the HTTP status.
 */
export function errorMessage(err: unknown, t: Translate): string {
  if (!(err instanceof ApiError)) return t('errors.network')
  if (err.status === 0) return t('errors.network')
  const detail = err.problem.detail?.trim()
  if (detail) return detail
  switch (err.status) {
    case 401:
      return t('errors.unauthorized')
    case 403:
      return t('errors.forbidden')
    case 404:
      return t('errors.notFound')
    case 409:
      return t('errors.conflict')
    case 412:
      return t('errors.stale')
    case 429:
      return t('errors.tooMany')
  }
  if (err.status >= 500) return t('errors.server')
  const title = err.problem.title?.trim()
  return title || t('errors.generic', { status: err.status })
}

/** fieldErrorsOf returns the per-field reasons of an ApiError (empty for anything else). */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError ? { ...err.fieldErrors } : {}
}

/** requestIdOf returns the problem's request_id, for support. */
export function requestIdOf(err: unknown): string | undefined {
  return err instanceof ApiError ? err.problem.request_id || undefined : undefined
}
