import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as api from '@/api/endpoints'
import { ApiError } from '@/api/client'
import type { User } from '@/api/types'
import { allowedAreas } from '@/router/access'

/** useAuthStore holds the signed-in user (or null) and its entity tag. */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  const etag = ref<string>('')
  const loaded = ref(false)
  /** loadError is set when the session could not be checked (network or server failure). */
  const loadError = ref<ApiError | null>(null)
  let pending: Promise<void> | null = null

  const areas = computed(() => allowedAreas(user.value))

  function setUser(u: User | null, tag?: string): void {
    user.value = u
    etag.value = u ? (tag ?? `"${u.version}"`) : ''
  }

  /** refresh asks the server who is signed in. A 401 means nobody. */
  async function refresh(): Promise<void> {
    try {
      const me = await api.fetchMe()
      setUser(me.user, me.etag)
      loadError.value = null
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setUser(null)
        loadError.value = null
      } else if (err instanceof ApiError) {
        loadError.value = err
      } else {
        throw err
      }
    } finally {
      loaded.value = true
    }
  }

  /** ensureLoaded checks the session once; later calls reuse the answer. */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    if (!pending) pending = refresh().finally(() => (pending = null))
    return pending
  }

  async function login(loginName: string, password: string): Promise<User> {
    const u = await api.login(loginName, password)
    setUser(u)
    loaded.value = true
    return u
  }

  async function signup(input: api.SignupInput): Promise<User> {
    const u = await api.signup(input)
    setUser(u)
    loaded.value = true
    return u
  }

  async function logout(): Promise<void> {
    try {
      await api.logout()
    } catch (err) {
      // A 401 means the session was already gone: the user is signed out either way.
      if (!(err instanceof ApiError && err.status === 401)) throw err
    }
    setUser(null)
  }

  async function updateDisplayName(name: string): Promise<void> {
    const res = await api.updateDisplayName(name, etag.value)
    setUser(res.user, res.etag)
  }

  /** forget drops the user locally, e.g. after the server answered 401. */
  function forget(): void {
    setUser(null)
  }

  return {
    user,
    etag,
    loaded,
    loadError,
    areas,
    refresh,
    ensureLoaded,
    login,
    signup,
    logout,
    updateDisplayName,
    forget,
  }
})
