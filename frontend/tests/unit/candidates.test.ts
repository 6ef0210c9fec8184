import { describe, expect, it } from 'vitest'
import { OVERRIDE_MAX, topCandidateIds, validateOverride } from '@/utils/volunteering'

const cand = (id: string, total: number) => ({ volunteer: { id }, score: { total } })

describe('topCandidateIds', () => {
  const tests: { name: string; cands: ReturnType<typeof cand>[]; taken: string[]; want: string[] }[] = [
    { name: 'no candidates', cands: [], taken: [], want: [] },
    { name: 'the best first', cands: [cand('a', 80), cand('b', 70)], taken: [], want: ['a'] },
    { name: 'ties are all top', cands: [cand('a', 80), cand('b', 80), cand('c', 60)], taken: [], want: ['a', 'b'] },
    { name: 'a taken volunteer is skipped', cands: [cand('a', 80), cand('b', 70), cand('c', 70)], taken: ['a'], want: ['b', 'c'] },
    { name: 'all taken', cands: [cand('a', 80)], taken: ['a'], want: [] },
  ]
  for (const tt of tests) {
    it(tt.name, () => {
      expect([...topCandidateIds(tt.cands, new Set(tt.taken))].sort()).toEqual(tt.want)
    })
  }
})

describe('validateOverride', () => {
  const tests: { name: string; reason: string; required: boolean; want: string }[] = [
    { name: 'required and missing', reason: '', required: true, want: 'vol.errors.override' },
    { name: 'blank counts as missing', reason: '   ', required: true, want: 'vol.errors.override' },
    { name: 'optional and missing', reason: '', required: false, want: '' },
    { name: 'given', reason: '志愿者与孩子同乡', required: true, want: '' },
    { name: 'at the limit', reason: '长'.repeat(OVERRIDE_MAX), required: true, want: '' },
    { name: 'too long', reason: '长'.repeat(OVERRIDE_MAX + 1), required: true, want: 'vol.errors.overrideLong' },
  ]
  for (const tt of tests) {
    it(tt.name, () => {
      expect(validateOverride(tt.reason, tt.required)).toBe(tt.want)
    })
  }
})
