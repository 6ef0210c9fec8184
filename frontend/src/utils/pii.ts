import { onBeforeUnmount, shallowRef, type ShallowRef } from 'vue'
import { ApiError } from '@/api/client'
import { screenText } from '@/api/needs'
import type { FieldFinding, Finding } from '@/api/types'

/** Segment is a run of text, marked when it lies inside one or more findings. */
export interface Segment {
  text: string
  /** findings holds the indexes (into the findings given) covering this run; empty for plain text. */
  findings: number[]
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/**
 * highlightSegments splits text at the findings' UTF-16 offsets
 * (start_u16/end_u16, i.e. JavaScript string indices, end exclusive).
 * Offsets are clamped to the text, never split a surrogate pair, and
 * overlapping or touching findings make one marked run listing all of them.
 * Joining the segments' texts gives the text back.
 */
export function highlightSegments(text: string, findings: readonly Pick<Finding, 'start_u16' | 'end_u16'>[]): Segment[] {
  const spans: { start: number; end: number; idx: number[] }[] = []
  findings.forEach((f, idx) => {
    let start = Math.max(0, Math.min(text.length, Math.trunc(f.start_u16)))
    let end = Math.max(0, Math.min(text.length, Math.trunc(f.end_u16)))
    if (!(start < end)) return
    // Keep whole characters: widen a span that would cut a surrogate pair.
    if (start > 0 && isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1))) start -= 1
    if (end < text.length && isLowSurrogate(text.charCodeAt(end)) && isHighSurrogate(text.charCodeAt(end - 1))) end += 1
    spans.push({ start, end, idx: [idx] })
  })
  spans.sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: typeof spans = []
  for (const s of spans) {
    const last = merged[merged.length - 1]
    if (last && s.start <= last.end) {
      last.end = Math.max(last.end, s.end)
      last.idx.push(...s.idx)
    } else {
      merged.push({ ...s, idx: [...s.idx] })
    }
  }
  const out: Segment[] = []
  let at = 0
  for (const m of merged) {
    if (m.start > at) out.push({ text: text.slice(at, m.start), findings: [] })
    out.push({ text: text.slice(m.start, m.end), findings: m.idx.sort((a, b) => a - b) })
    at = m.end
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), findings: [] })
  return out
}

/** fieldFindingsOf returns the PII findings of a 422 problem, grouped by field; empty for anything else. */
export function fieldFindingsOf(err: unknown): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {}
  if (!(err instanceof ApiError) || err.status !== 422) return out
  const details = err.problem.details
  if (!Array.isArray(details)) return out
  for (const d of details as unknown[]) {
    if (!d || typeof d !== 'object') continue
    const f = d as Partial<FieldFinding>
    if (typeof f.field !== 'string' || typeof f.start_u16 !== 'number' || typeof f.end_u16 !== 'number') continue
    const { field, ...finding } = f as FieldFinding
    ;(out[field] ??= []).push(finding)
  }
  return out
}

/** Screened is the PII screen's answer for one field: the text screened and what was found in it. */
export interface Screened {
  text: string
  findings: Finding[]
}

/** PiiScreens screens several named texts while they are edited. */
export interface PiiScreens {
  /** results maps a field to the latest answer; a field being re-screened keeps its previous answer. */
  results: ShallowRef<Record<string, Screened>>
  /** pending lists the fields whose current text has not been screened yet. */
  pending: ShallowRef<string[]>
  /** error is the last failure of the screen endpoint (cleared by the next success). */
  error: ShallowRef<unknown>
  /** update tells the screens the current texts; changed ones are screened after the debounce delay. */
  update: (texts: Record<string, string>) => void
  /** setFromServer shows findings the server returned (422) for the texts it was sent. */
  setFromServer: (texts: Record<string, string>, found: Record<string, Finding[]>) => void
}

/**
 * usePiiScreens calls POST /privacy/screen for each changed text after
 * `delay` ms without typing, cancelling answers that a newer text made
 * stale. Empty texts are clean without a call.
 */
export function usePiiScreens(delay = 400): PiiScreens {
  const results = shallowRef<Record<string, Screened>>({})
  const pending = shallowRef<string[]>([])
  const error = shallowRef<unknown>(null)
  const wanted = new Map<string, string>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const controllers = new Map<string, AbortController>()

  function setResult(field: string, r: Screened | null): void {
    const next = { ...results.value }
    if (r) next[field] = r
    else delete next[field]
    results.value = next
  }

  function setPending(field: string, on: boolean): void {
    const has = pending.value.includes(field)
    if (on && !has) pending.value = [...pending.value, field]
    if (!on && has) pending.value = pending.value.filter((f) => f !== field)
  }

  function cancel(field: string): void {
    const t = timers.get(field)
    if (t !== undefined) clearTimeout(t)
    timers.delete(field)
    controllers.get(field)?.abort()
    controllers.delete(field)
  }

  async function run(field: string, text: string): Promise<void> {
    timers.delete(field)
    const controller = new AbortController()
    controllers.set(field, controller)
    try {
      const findings = await screenText(text, controller.signal)
      if (wanted.get(field) !== text) return
      setResult(field, { text, findings })
      error.value = null
      setPending(field, false)
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return
      if (wanted.get(field) !== text) return
      error.value = err
      setPending(field, false)
    } finally {
      if (controllers.get(field) === controller) controllers.delete(field)
    }
  }

  function update(texts: Record<string, string>): void {
    for (const field of [...wanted.keys()]) {
      if (!(field in texts)) {
        cancel(field)
        wanted.delete(field)
        setResult(field, null)
        setPending(field, false)
      }
    }
    for (const [field, text] of Object.entries(texts)) {
      if (wanted.get(field) === text) continue
      wanted.set(field, text)
      cancel(field)
      if (text.trim() === '') {
        setResult(field, { text, findings: [] })
        setPending(field, false)
        continue
      }
      if (results.value[field]?.text === text) {
        setPending(field, false)
        continue
      }
      setPending(field, true)
      timers.set(
        field,
        setTimeout(() => void run(field, text), delay),
      )
    }
  }

  function setFromServer(texts: Record<string, string>, found: Record<string, Finding[]>): void {
    for (const [field, text] of Object.entries(texts)) {
      if (wanted.get(field) !== text) continue
      cancel(field)
      setResult(field, { text, findings: found[field] ?? [] })
      setPending(field, false)
    }
  }

  onBeforeUnmount(() => {
    for (const field of [...timers.keys(), ...controllers.keys()]) cancel(field)
  })

  return { results, pending, error, update, setFromServer }
}
