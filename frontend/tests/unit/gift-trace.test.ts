import { describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import GiftTraceCard from '@/components/money/GiftTraceCard.vue'
import type { GiftTrace } from '@/api/money'
import { i18n } from '@/i18n'

const shaA = 'a'.repeat(64)
const shaB = 'b'.repeat(64)

function gift(over: Partial<GiftTrace> = {}): GiftTrace {
  return {
    donation_id: 'c1-1',
    ledger: 'c1',
    anonymous: false,
    channel: 'online',
    amount_fen: 30000,
    at: '2026-11-29T02:00:00Z',
    allocations: [{ entry_id: 'c1-2', at: '2026-11-29T03:00:00Z', need_id: 'n1', amount_fen: 25000, designated: false }],
    expenses: [
      {
        entry_id: 'c1-3',
        at: '2026-11-29T04:00:00Z',
        expense_id: 'x1',
        need_id: 'n1',
        category: 'clothing',
        why: '县城百货: 冬衣',
        amount_fen: 20000,
        receipts: [
          { sha256: shaA, content_type: 'image/jpeg', kind: 'invoice' },
          { sha256: shaB, content_type: 'application/pdf', kind: 'invoice' },
        ],
      },
    ],
    refunds: [],
    held_by_needs: [{ need_id: 'n1', amount_fen: 5000 }],
    spent_fen: 20000,
    refunded_fen: 0,
    held_by_needs_fen: 5000,
    unallocated_fen: 5000,
    ...over,
  }
}

function render(g: GiftTrace) {
  return mount(GiftTraceCard, {
    props: { gift: g, needTitles: { n1: '冬衣添置' }, thumbnails: { [shaA]: `/api/v1/receipt-thumbnails/${shaA}.jpg` } },
    global: { plugins: [i18n], stubs: { RouterLink: RouterLinkStub } },
  })
}

describe('GiftTraceCard', () => {
  it('shows allocations, expenses and receipts: published ones as thumbnails, the others by hash', () => {
    const w = render(gift())
    expect(w.text()).toContain('冬衣添置')
    expect(w.text()).toContain('县城百货: 冬衣')
    expect(w.text()).toContain('衣物')
    const img = w.find('[data-testid="receipt-thumb"] img')
    expect(img.attributes('src')).toBe(`/api/v1/receipt-thumbnails/${shaA}.jpg`)
    expect(w.findAll('[data-testid="receipt-thumb"]')).toHaveLength(1)
    expect(w.text()).toContain(`票据 ${shaB.slice(0, 12)}…（未公开）`)
  })

  it('marks a gift whose parts add up to the fen, and only then', () => {
    expect(render(gift()).text()).toContain('合计一致')
    expect(render(gift({ unallocated_fen: 4999 })).text()).not.toContain('合计一致')
  })
})
