/** formatDateTime renders an ISO timestamp in the interface locale; invalid input is returned as given. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d)
}

/** formatCount renders a whole number with the locale's digit grouping. */
export function formatCount(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n)
}

/**
 * formatDate renders a calendar date ("2026-12-31", or the date part of an
 * ISO timestamp) in the interface locale. A date without time is read as
 * that calendar day wherever the reader is; invalid input is returned as given.
 */
export function formatDate(value: string | null | undefined, locale: string): string {
  if (!value) return ''
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value)
  const d = new Date(dateOnly ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(d.getTime())) return value
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(dateOnly ? { timeZone: 'UTC' } : {}),
  }).format(d)
}
