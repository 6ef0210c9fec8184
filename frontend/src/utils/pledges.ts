import type { NeedItem } from '@/api/types'
import type { Pledge, PledgeLineInput, PledgeStatus } from '@/api/pledges'

/** remaining is how many items of a need line are still open to pledge. */
export function remaining(item: Pick<NeedItem, 'count' | 'pledged'>): number {
  return Math.max(0, (item.count ?? 0) - (item.pledged ?? 0))
}

/** LineError names why a count typed for a line is refused (an i18n key suffix). */
export type LineError = 'whole' | 'tooMany'

/**
 * pledgeLines turns the counts typed per need line (by line index; blank or
 * 0 means none) into the request's lines, and the error of each bad line.
 * A pledge needs at least one line (empty is true when none was given).
 */
export function pledgeLines(
  items: Pick<NeedItem, 'count' | 'pledged'>[],
  typed: Record<number, string | number | undefined>,
): { lines: PledgeLineInput[]; errors: Record<number, LineError>; empty: boolean } {
  const lines: PledgeLineInput[] = []
  const errors: Record<number, LineError> = {}
  items.forEach((it, i) => {
    const raw = typed[i]
    const s = raw === undefined || raw === null ? '' : String(raw).trim()
    if (s === '' || s === '0') return
    if (!/^\d+$/.test(s)) {
      errors[i] = 'whole'
      return
    }
    const n = Number(s)
    if (n > remaining(it)) {
      errors[i] = 'tooMany'
      return
    }
    lines.push({ item: i, count: n })
  })
  return { lines, errors, empty: lines.length === 0 && Object.keys(errors).length === 0 }
}

/** pledgeTotal is the number of items a pledge promised. */
export function pledgeTotal(p: Pick<Pledge, 'lines'>): number {
  return p.lines.reduce((n, l) => n + l.count, 0)
}

/** traceText picks the trace sentence for the interface locale. */
export function traceText(p: Pick<Pledge, 'trace'>, locale: string): string {
  return locale.startsWith('zh') ? p.trace.zh : p.trace.en
}

/** staffNext is the staff action a pledge waits for, if any. */
export function staffNext(status: PledgeStatus): 'receive' | 'deliver' | null {
  if (status === 'pledged') return 'receive'
  if (status === 'received') return 'deliver'
  return null
}

/** todayInShanghai is today's date (YYYY-MM-DD) in Asia/Shanghai, the service's calendar. */
export function todayInShanghai(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now)
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** DeliveryForm is what staff type for a delivery. */
export interface DeliveryForm {
  date: string
  count: string | number
  hasPhoto: boolean
}

/**
 * deliveryErrors checks a delivery form before upload: a date not after
 * today, a whole count from 1 to the pledged total, and a photo. It returns
 * an i18n key suffix per bad field.
 */
export function deliveryErrors(f: DeliveryForm, total: number, today: string): Partial<Record<'date' | 'count' | 'photo', string>> {
  const out: Partial<Record<'date' | 'count' | 'photo', string>> = {}
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.date)) out.date = 'date'
  else if (f.date > today) out.date = 'future'
  const c = String(f.count).trim()
  if (!/^\d+$/.test(c) || Number(c) < 1 || Number(c) > total) out.count = 'count'
  if (!f.hasPhoto) out.photo = 'photo'
  return out
}
