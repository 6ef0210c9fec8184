/**
 * Money is carried as an integer number of fen (分, 1/100 yuan) everywhere.
 * These helpers only turn fen into text or whole percentages; they never
 * compute with fractional yuan.
 */

function assertFen(fen: number, what: string): void {
  if (!Number.isSafeInteger(fen)) {
    throw new RangeError(`${what} must be an integer number of fen, got ${String(fen)}`)
  }
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** formatFen renders an amount in fen as "¥1,234.56" (negative: "-¥1,234.56"). */
export function formatFen(fen: number): string {
  assertFen(fen, 'amount')
  const negative = fen < 0
  const abs = Math.abs(fen)
  const yuan = Math.floor(abs / 100)
  const cents = abs % 100
  const text = `¥${groupThousands(String(yuan))}.${String(cents).padStart(2, '0')}`
  return negative ? `-${text}` : text
}

/**
 * progressPercent is the share of target reached, as a whole percentage
 * rounded down and clamped to 0..100. A zero or negative target gives 0.
 */
export function progressPercent(raisedFen: number, targetFen: number): number {
  assertFen(raisedFen, 'raised')
  assertFen(targetFen, 'target')
  if (targetFen <= 0 || raisedFen <= 0) return 0
  if (raisedFen >= targetFen) return 100
  // Integer arithmetic: raised < target here, and both are safe integers.
  // BigInt keeps raised*100 exact even for amounts near the safe-integer limit.
  return Number((BigInt(raisedFen) * 100n) / BigInt(targetFen))
}

// Full-width digits, comma and full stop, as typed with a Chinese input method.
function foldFullWidth(s: string): string {
  return s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30)).replace(/，/g, ',').replace(/．|。/g, '.')
}

/**
 * parseYuan turns an amount typed in yuan ("16000", "1,234.5", "０.５")
 * into an integer number of fen by reading the digits, never through a
 * float. It returns null for anything else: empty text, a sign, more than
 * two decimals, misplaced thousands separators, or an amount past the
 * safe-integer range.
 */
export function parseYuan(input: string): number | null {
  const s = foldFullWidth(input).trim().replace(/^¥\s*/, '')
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) return null
  const yuanDigits = (m[1] ?? '').replace(/,/g, '')
  const centDigits = (m[2] ?? '').padEnd(2, '0')
  const fen = BigInt(yuanDigits) * 100n + BigInt(centDigits)
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return null
  return Number(fen)
}

/**
 * fenToYuanInput renders fen for an amount input: whole yuan without
 * decimals ("16000"), otherwise with two ("1234.50"); no grouping, so that
 * parseYuan reads it back unchanged.
 */
export function fenToYuanInput(fen: number): string {
  assertFen(fen, 'amount')
  if (fen < 0) throw new RangeError(`amount must not be negative, got ${fen}`)
  const yuan = Math.floor(fen / 100)
  const cents = fen % 100
  return cents === 0 ? String(yuan) : `${yuan}.${String(cents).padStart(2, '0')}`
}
