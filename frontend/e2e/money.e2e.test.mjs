// End-to-end test of the money pages against the real Tongban binary:
// finance staff open a campaign (through the API), a donor gives ¥50 to it
// through the payment sandbox and sees the gift and the public campaign page.
// Run: npm run build, build the binary, then
// TONGBAN_BIN=<binary> node --test e2e/money.e2e.test.mjs
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS, shot } from './browser.mjs'
import { TIMEOUT, expectAccessible, loginAs, unique, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)

let server

before(async () => {
  server = await startServer()
})

after(async () => {
  await server?.stop()
})

function withBrowser(vp, fn) {
  return withBrowserAt(server.baseURL, vp, fn)
}

describe(`money at ${desktop.name} size (${desktop.width}×${desktop.height})`, () => {
  test('a donor gives ¥50 to a campaign through the sandbox and sees the gift', TIMEOUT, async () => {
    const title = `冬日暖衣 ${unique('M')}`
    let campaignId = ''

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      const created = await page.evaluate(async (title) => {
        const me = await (await fetch('/api/v1/auth/me')).json()
        const u = me.user ?? me
        const m = u.memberships.find((x) => x.org_name === '共青团隆安县委员会') ?? u.memberships[0]
        const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
        const res = await fetch('/api/v1/campaigns', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify({
            title,
            summary: '为隆安县留守儿童购置冬衣。',
            org_ids: [m.org_id],
            target_fen: 1000000,
            start: '2026-11-01',
            end: '2027-02-28',
            status: 'active',
          }),
        })
        return { status: res.status, body: await res.json() }
      }, title)
      assert.equal(created.status, 201, JSON.stringify(created.body))
      campaignId = created.body.id
      assert.ok(campaignId)
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      await page.getByTestId('nav-campaigns').click()
      await page.waitForURL((u) => u.pathname === '/campaigns')
      await page.getByRole('link', { name: title }).click()
      await page.waitForURL((u) => u.pathname === `/campaigns/${campaignId}`)
      await page.getByTestId('campaign-totals').waitFor()
      await expectAccessible(page, 'the campaign page')
      await page.getByTestId('give-link').click()
      await page.waitForURL((u) => u.pathname === '/donor/give')
      await page.getByTestId('give-target').filter({ hasText: title }).waitFor()
      await expectAccessible(page, 'the give form')
      await page.getByTestId('give-amount').fill('50')
      await page.getByTestId('give-submit').click()
      await page.waitForURL((u) => u.pathname.startsWith('/sandbox/checkout/'))
      await page.locator('#pay').click()
      await page.waitForURL((u) => u.pathname === '/donor' && u.searchParams.has('paid'))
      await page.getByTestId('donor-paid').waitFor()
      await page.getByTestId('donor-gifts-link').click()
      await page.waitForURL((u) => u.pathname === '/donor/gifts')
      const row = page.getByTestId('gifts-table').locator('tbody tr').filter({ hasText: '¥50.00' })
      await row.first().waitFor()
      await expectAccessible(page, 'my gifts')
      await shot(page, desktop, 'money-gifts')

      // The gift's receipt: a PDF download, then its public verification page.
      const [download] = await Promise.all([page.waitForEvent('download'), row.first().getByTestId('receipt-download').click()])
      assert.match(download.suggestedFilename(), /^tongban-receipt-DR-\d{4}-[0-9A-Z]{10}\.pdf$/)
      const pdfPath = await download.path()
      const { readFileSync } = await import('node:fs')
      assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), '%PDF-')
      const serial = download.suggestedFilename().slice('tongban-receipt-'.length, -'.pdf'.length)
      await page.getByTestId('receipt-notice').filter({ hasText: serial }).waitFor()
      await page.goto(`/receipts/${serial}`)
      await page.getByTestId('receipt-status').waitFor()
      assert.equal(await page.getByTestId('receipt-serial').innerText(), serial)
      assert.equal(await page.getByTestId('receipt-amount').innerText(), '¥50.00')
      assert.match(await page.getByTestId('receipt-status').innerText(), /有效/)
      await expectAccessible(page, 'the receipt verification page')
      await shot(page, desktop, 'money-receipt-verify')
      await page.goto('/donor/gifts')
      await page.getByTestId('trace-link').click()
      await page.getByTestId('trace-page').locator('[data-testid="trace-totals"], [data-testid="error-alert"]').first().waitFor()
      const traceText = await page.getByTestId('trace-page').innerText()
      assert.ok(await page.getByTestId('trace-totals').isVisible(), traceText)
      await page.getByTestId('trace-gifts').locator('article').filter({ hasText: '¥50.00' }).first().waitFor()
      await expectAccessible(page, 'my trace')
      await shot(page, desktop, 'money-trace')

      await page.goto(`/campaigns/${campaignId}`)
      await page.getByTestId('campaign-totals').filter({ hasText: '¥50.00' }).waitFor()
      await page.getByTestId('ledger-table').locator('tbody tr').first().waitFor()
      await page.getByTestId('flow-sankey').waitFor()
      await expectAccessible(page, 'the campaign page after a gift')
      await shot(page, desktop, 'money-campaign')
      const csv = await page.evaluate(async (id) => (await fetch(`/api/v1/campaigns/${id}/report.csv`)).status, campaignId)
      assert.equal(csv, 200)
    })
  })
})
