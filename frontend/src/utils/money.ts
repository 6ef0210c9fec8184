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
