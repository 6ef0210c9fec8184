import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { errorMessage, fieldErrorsOf, requestIdOf } from '@/utils/errors'
import { isLoginIdentifier, characterCount } from '@/utils/login'

const t = (key: string, params?: Record<string, unknown>) => (params ? `${key} ${JSON.stringify(params)}` : key)

describe('errorMessage', () => {
  it('prefers the server detail', () => {
    expect(errorMessage(new ApiError(401, { status: 401, detail: 'Wrong login or password.' }), t)).toBe('Wrong login or password.')
  })

  it.each([
    [401, 'errors.unauthorized'],
    [403, 'errors.forbidden'],
    [404, 'errors.notFound'],
    [409, 'errors.conflict'],
    [412, 'errors.stale'],
    [429, 'errors.tooMany'],
    [500, 'errors.server'],
    [503, 'errors.server'],
  ])('falls back to a localized text for status %i', (status, key) => {
    expect(errorMessage(new ApiError(status, { status }), t)).toBe(key)
  })

  it('uses the title, then a generic text, for other statuses', () => {
    expect(errorMessage(new ApiError(418, { status: 418, title: "I'm a teapot" }), t)).toBe("I'm a teapot")
    expect(errorMessage(new ApiError(418, { status: 418 }), t)).toBe('errors.generic {"status":418}')
  })

  it('reports network failures and unknown throwables as network errors', () => {
    expect(errorMessage(new ApiError(0, { status: 0 }), t)).toBe('errors.network')
    expect(errorMessage(new TypeError('x'), t)).toBe('errors.network')
  })

  it('exposes field errors and the request id', () => {
    const err = new ApiError(400, { request_id: 'r1', errors: [{ field: 'login', reason: 'is required' }] })
    expect(fieldErrorsOf(err)).toEqual({ login: 'is required' })
    expect(requestIdOf(err)).toBe('r1')
    expect(fieldErrorsOf(new Error('x'))).toEqual({})
  })
})

describe('isLoginIdentifier', () => {
  it.each([
    ['volunteer@tongban.example', true],
    ['13800138000', true],
    ['138 0013 8000', true],
    ['+8613800138000', true],
    ['12800138000', false],
    ['1380013800', false],
    ['not an email', false],
    ['a@b', false],
    ['', false],
  ])('%j → %s', (v, want) => {
    expect(isLoginIdentifier(v)).toBe(want)
  })
})

describe('characterCount', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(characterCount('童伴')).toBe(2)
    expect(characterCount('😀😀')).toBe(2)
  })
})
