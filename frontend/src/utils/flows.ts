import type { Flow, Posting } from '@/api/money'

/** AccountLabel says how to name an account: an i18n key under money.accounts and its parameter. */
export interface AccountLabel {
  key: 'donors' | 'anonymous' | 'donor' | 'refund' | 'general' | 'campaign' | 'need' | 'expense' | 'other'
  param: string
}

/** accountLabel classifies a ledger account name ("need:abc", "expense:food", "donors", …). */
export function accountLabel(account: string): AccountLabel {
  if (account === 'donors') return { key: 'donors', param: '' }
  if (account === 'donations:anonymous') return { key: 'anonymous', param: '' }
  if (account === 'refund') return { key: 'refund', param: '' }
  if (account === 'fund:general') return { key: 'general', param: '' }
  const i = account.indexOf(':')
  if (i > 0) {
    const prefix = account.slice(0, i)
    const rest = account.slice(i + 1)
    if (prefix === 'donations') return { key: 'donor', param: shortId(rest) }
    if (prefix === 'campaign') return { key: 'campaign', param: shortId(rest) }
    if (prefix === 'need') return { key: 'need', param: shortId(rest) }
    if (prefix === 'expense') return { key: 'expense', param: rest }
  }
  return { key: 'other', param: account }
}

/** shortId keeps the last 6 characters of a long identifier ("…a1b2c3"). */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-6)}` : id
}

export interface SankeyNode {
  name: string
  label: string
}

export interface SankeyLink {
  source: string
  target: string
  value: number
}

export interface SankeyData {
  nodes: SankeyNode[]
  links: SankeyLink[]
}

/**
 * sankeyData turns ledger flows into ECharts Sankey nodes and links. Flows
 * of zero or less and self-loops are dropped, flows between the same two
 * accounts are summed (integer fen), and each account becomes one node named
 * by the account (unique) and labelled through label().
 */
export function sankeyData(flows: readonly Flow[] | null | undefined, label: (account: string) => string): SankeyData {
  const sums = new Map<string, SankeyLink>()
  const order: string[] = []
  for (const f of flows ?? []) {
    if (!Number.isSafeInteger(f.amount_fen) || f.amount_fen <= 0 || f.from === f.to) continue
    const k = `${f.from}\u0000${f.to}`
    const link = sums.get(k)
    if (link) {
      link.value += f.amount_fen
    } else {
      sums.set(k, { source: f.from, target: f.to, value: f.amount_fen })
    }
    for (const a of [f.from, f.to]) if (!order.includes(a)) order.push(a)
  }
  return {
    nodes: order.map((name) => ({ name, label: label(name) })),
    links: [...sums.values()],
  }
}

/** entryAmount is the amount an entry moved: the sum of its debits, in fen. */
export function entryAmount(postings: readonly Posting[] | null | undefined): number {
  let sum = 0
  for (const p of postings ?? []) sum += p.debit_fen > 0 ? p.debit_fen : 0
  return sum
}

/** giveQuery reads the give form's ledger from ?campaign=; "general" when absent. */
export function giveLedger(campaign: unknown): string {
  const v = Array.isArray(campaign) ? campaign[0] : campaign
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : 'general'
}
