import { ref, shallowRef, type Ref } from 'vue'
import type { Page } from '@/api/types'

/** Paged is a cursor-paginated list loaded page by page. */
export interface Paged<T> {
  items: Ref<T[]>
  hasMore: Ref<boolean>
  loading: Ref<boolean>
  error: Ref<unknown>
  /** reload drops what was loaded and fetches the first page. */
  reload: () => Promise<void>
  /** loadMore fetches the page after the last one loaded. */
  loadMore: () => Promise<void>
}

/** usePaged wraps a cursor-paginated endpoint. */
export function usePaged<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const items = shallowRef<T[]>([])
  const cursor = ref<string | null>(null)
  const hasMore = ref(false)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let generation = 0

  async function fetchInto(replace: boolean): Promise<void> {
    const gen = replace ? ++generation : generation
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(replace ? null : cursor.value)
      if (gen !== generation) return
      const got = Array.isArray(page.items) ? page.items : []
      items.value = replace ? got : [...items.value, ...got]
      cursor.value = page.next_cursor || null
      hasMore.value = Boolean(page.next_cursor)
    } catch (err) {
      if (gen === generation) error.value = err
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  return {
    items,
    hasMore,
    loading,
    error,
    reload: () => fetchInto(true),
    loadMore: () => fetchInto(false),
  }
}
