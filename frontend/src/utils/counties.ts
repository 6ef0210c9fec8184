import { listCounties } from '@/api/endpoints'
import type { County } from '@/api/types'

let cached: Promise<County[]> | null = null

/**
 * loadCounties fetches the county register once per page load and shares
 * it; a failed fetch is not kept, so the next call tries again.
 */
export function loadCounties(): Promise<County[]> {
  if (!cached) {
    cached = listCounties().catch((err: unknown) => {
      cached = null
      throw err
    })
  }
  return cached
}

/** countyNameMap maps county codes to names. */
export function countyNameMap(counties: readonly County[]): Map<string, string> {
  return new Map(counties.map((c) => [c.code, c.name]))
}

/** townshipName finds a township's name in the register; undefined when unknown. */
export function townshipName(counties: readonly County[], county: string, township: string | undefined): string | undefined {
  if (!township) return undefined
  return counties.find((c) => c.code === county)?.townships?.find((t) => t.code === township)?.name
}
