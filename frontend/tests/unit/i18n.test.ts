import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/locales/zh-CN'
import en from '@/i18n/locales/en'

type Tree = { [k: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv)
  }
  return out
}

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (/\.(vue|ts)$/.test(name)) out.push(p)
  }
  return out
}

const zh = leaves(zhCN as Tree)
const enLeaves = leaves(en as unknown as Tree)

describe('i18n completeness', () => {
  it('every zh-CN key exists in en', () => {
    expect([...zh.keys()].filter((k) => !enLeaves.has(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect([...enLeaves.keys()].filter((k) => !zh.has(k))).toEqual([])
  })

  it('no text is empty', () => {
    expect([...zh].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([])
    expect([...enLeaves].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([])
  })

  it('both locales use the same placeholders in each text', () => {
    const differ = [...zh.keys()].filter((k) => placeholders(zh.get(k) ?? '').join() !== placeholders(enLeaves.get(k) ?? '').join())
    expect(differ).toEqual([])
  })

  it('no text contains characters vue-i18n treats as syntax (@ and |)', () => {
    const bad = [...zh, ...enLeaves].filter(([, v]) => /[@|]/.test(v)).map(([k]) => k)
    expect(bad).toEqual([])
  })

  it('every literal key used in the source exists', () => {
    const srcDir = join(__dirname, '..', '..', 'src')
    const used = new Set<string>()
    for (const file of sourceFiles(srcDir)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1] ?? '')
    }
    expect(used.size).toBeGreaterThan(50)
    expect([...used].filter((k) => !zh.has(k)).sort()).toEqual([])
  })
})
