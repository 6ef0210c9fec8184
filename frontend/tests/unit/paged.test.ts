import { describe, expect, it, vi } from 'vitest'
import { usePaged } from '@/utils/paged'
import { ApiError } from '@/api/client'
import type { Page } from '@/api/types'

function pages(data: Record<string, Page<number>>) {
  return vi.fn(async (cursor: string | null) => {
    const p = data[cursor ?? '']
    if (!p) throw new ApiError(400, { status: 400, detail: `bad cursor ${cursor}` })
    return p
  })
}

describe('usePaged', () => {
  it('loads pages by cursor and appends them', async () => {
    const fetchPage = pages({
      '': { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3, 4], next_cursor: 'c3' },
      c3: { items: [5], next_cursor: '' },
    })
    const p = usePaged(fetchPage)
    await p.reload()
    expect(p.items.value).toEqual([1, 2])
    expect(p.hasMore.value).toBe(true)
    await p.loadMore()
    await p.loadMore()
    expect(p.items.value).toEqual([1, 2, 3, 4, 5])
    expect(p.hasMore.value).toBe(false)
    expect(fetchPage.mock.calls.map((c) => c[0])).toEqual([null, 'c2', 'c3'])
  })

  it('starts over on reload', async () => {
    const p = usePaged(pages({ '': { items: [1], next_cursor: 'x' }, x: { items: [2], next_cursor: null } }))
    await p.reload()
    await p.loadMore()
    await p.reload()
    expect(p.items.value).toEqual([1])
    expect(p.hasMore.value).toBe(true)
  })

  it('keeps what was loaded and exposes the error when a page fails', async () => {
    const p = usePaged(pages({ '': { items: [1], next_cursor: 'gone' } }))
    await p.reload()
    await p.loadMore()
    expect(p.items.value).toEqual([1])
    expect(p.error.value).toBeInstanceOf(ApiError)
    expect(p.loading.value).toBe(false)
  })

  it('ignores a stale page that arrives after a reload', async () => {
    let release: (v: Page<number>) => void = () => undefined
    const fetchPage = vi
      .fn<(cursor: string | null) => Promise<Page<number>>>()
      .mockImplementationOnce(() => new Promise((r) => (release = r)))
      .mockResolvedValueOnce({ items: [9], next_cursor: null })
    const p = usePaged(fetchPage)
    const slow = p.reload()
    await p.reload()
    release({ items: [1, 2, 3], next_cursor: 'z' })
    await slow
    expect(p.items.value).toEqual([9])
    expect(p.hasMore.value).toBe(false)
  })
})
