// Helpers shared by the end-to-end test files.
import assert from 'node:assert/strict'
import { axeScan, openBrowser } from './browser.mjs'

export const DEMO_PASSWORD = 'Tongban-Demo-2026'
export const TIMEOUT = { timeout: 180_000 }

/** unique returns a string unique to this run, for new accounts and names. */
let counter = 0
export function unique(prefix) {
  counter += 1
  return `${prefix}${Date.now().toString(36)}${counter}`
}

/** withBrowser runs fn with a fresh browser profile on baseURL and checks it logged no errors. */
export async function withBrowser(baseURL, vp, fn) {
  const b = await openBrowser(vp, baseURL)
  try {
    await fn(b.page, b)
    assert.deepEqual(b.problems, [], 'the page logged errors')
  } finally {
    await b.close()
  }
}

export async function expectAccessible(page, what) {
  const violations = await axeScan(page)
  assert.deepEqual(violations, [], `axe found serious/critical violations on ${what}:\n${JSON.stringify(violations, null, 2)}`)
}

/** navTo follows a header link, opening the collapsed menu first on phones. */
export async function navTo(page, vp, testid) {
  if (vp.phone) {
    const toggle = page.getByTestId('menu-toggle')
    assert.equal(await page.getByTestId(testid).isVisible(), false, `${testid} should hide in the collapsed phone menu`)
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
  }
  await page.getByTestId(testid).click()
}

/** headerLinks lists the data-testids of the header's navigation entries. */
export async function headerLinks(page) {
  return page.locator('#site-nav [data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))
}

/**
 * submitLogin fills the login form and submits it, returning the status of
 * POST /auth/login. The API allows 20 log-ins and sign-ups per minute from
 * one address; if this run hits that, it waits for the window to pass once.
 */
export async function submitLogin(page, login, password) {
  for (let attempt = 0; ; attempt++) {
    await page.getByTestId('login-login').fill(login)
    await page.getByTestId('login-password').fill(password)
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login') && r.request().method() === 'POST'),
      page.getByTestId('login-submit').click(),
    ])
    if (res.status() !== 429 || attempt > 0) return res.status()
    const body = await res.json()
    const detail = String(body.detail)
    if (!detail.includes('network') && !detail.includes('网络')) return res.status() // an account lock-out, not the rate limit
    console.log('# login rate limit reached; waiting 61 s')
    await page.waitForTimeout(61_000)
  }
}

export async function loginAs(page, login, password = DEMO_PASSWORD) {
  await page.goto('/login')
  const status = await submitLogin(page, login, password)
  assert.equal(status, 200, `log-in of ${login}`)
  await page.waitForURL((u) => u.pathname !== '/login')
}
