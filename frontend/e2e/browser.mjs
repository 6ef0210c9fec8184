// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// plus the axe accessibility scan and screenshot helpers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const frontendDir = resolve(fileURLToPath(new URL('..', import.meta.url)))
export const screenshotDir = join(frontendDir, 'screenshots')

/** VIEWPORTS are the two sizes every scenario runs at. */
export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800, phone: false },
  { name: 'phone', width: 375, height: 812, phone: true },
]

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/**
 * openBrowser starts a fresh browser profile at a viewport and returns its
 * page. Uncaught page errors and console errors (other than the browser's
 * own "Failed to load resource" lines for expected 4xx answers) are
 * collected in `problems`.
 */
export async function openBrowser(viewport, baseURL) {
  const profile = mkdtempSync(join(tmpdir(), 'tongban-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: viewport.width, height: viewport.height },
    deviceScaleFactor: 1,
    isMobile: viewport.phone,
    hasTouch: viewport.phone,
    locale: 'zh-CN',
    baseURL,
  })
  context.setDefaultTimeout(15_000)
  const page = context.pages()[0] ?? (await context.newPage())
  const problems = []
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    if (text.startsWith('Failed to load resource')) return
    problems.push(`console error: ${text}`)
  })
  const close = async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
  return { context, page, problems, close }
}

/**
 * axeScan runs axe-core on the page and returns the serious and critical
 * violations (WCAG 2.x A/AA and best practices).
 */
export async function axeScan(page) {
  // Colours are only final once transitions (e.g. a dialog fading in) end.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  // page.evaluate is not subject to the page's CSP, unlike a script tag.
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    })
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`.slice(0, 400)),
    }))
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** shot saves a screenshot as screenshots/<viewport>-<name>.png (the whole page unless fullPage is false). */
export async function shot(page, viewport, name, { fullPage = true } = {}) {
  mkdirSync(screenshotDir, { recursive: true })
  // A sticky header would otherwise be drawn where the page is scrolled to.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(screenshotDir, `${viewport.name}-${name}.png`), fullPage })
}
