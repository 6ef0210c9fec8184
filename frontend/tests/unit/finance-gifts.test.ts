import { describe, expect, it } from 'vitest'
import { contactKind, donationSlipUrl, offlineGiftsOf } from '@/api/finance'

const slip = { sha256: 'ab'.repeat(32), blob_key: 'uploads/u-1/k', content_type: 'image/png', kind: 'bank_slip' }

describe('offlineGiftsOf', () => {
  it('picks the offline gifts with a slip, newest first, with their amount and donor', () => {
    const got = offlineGiftsOf([
      {
        id: 'c-1',
        seq: 1,
        kind: 'donation',
        at: '2026-11-01T00:00:00Z',
        why: '在线捐赠',
        postings: [{ account: 'campaign:c', debit_fen: 500, credit_fen: 0 }],
        links: { channel: 'online', donor_id: 'u-9' },
      },
      {
        id: 'c-2',
        seq: 2,
        kind: 'donation',
        at: '2026-11-02T00:00:00Z',
        why: '线下现金捐赠',
        postings: [
          { account: 'campaign:c', debit_fen: 20000, credit_fen: 0 },
          { account: 'donor:u-9', debit_fen: 0, credit_fen: 20000 },
        ],
        links: { channel: 'cash', donor_id: 'u-9', anonymous: true, receipts: [{ ...slip, kind: 'cash_receipt' }] },
      },
      { id: 'c-3', seq: 3, kind: 'allocation', at: '2026-11-03T00:00:00Z', why: '拨付', postings: [], links: {} },
      {
        id: 'c-4',
        seq: 4,
        kind: 'donation',
        at: '2026-11-04T00:00:00Z',
        why: 'offline gift (bank transfer)',
        postings: [{ account: 'campaign:c', debit_fen: 123, credit_fen: 0 }],
        links: { channel: 'bank_transfer', receipts: [slip] },
      },
    ])
    expect(got.map((g) => [g.id, g.amount_fen, g.channel, g.hasDonor, g.anonymous])).toEqual([
      ['c-4', 123, 'bank_transfer', false, false],
      ['c-2', 20000, 'cash', true, true],
    ])
  })
})

describe('donor look-up helpers', () => {
  it('tells an e-mail address from a mobile number', () => {
    expect(contactKind('donor@tongban.example')).toBe('email')
    expect(contactKind('+86 139 0000 0000')).toBe('phone')
  })

  it('addresses the slip of a gift', () => {
    expect(donationSlipUrl('general-12')).toBe('/api/v1/donations/general-12/slip')
  })
})
