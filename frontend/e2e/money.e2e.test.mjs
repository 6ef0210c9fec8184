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

    // Finance staff open the campaign through the staff area.
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      await page.goto('/staff')
      await page.locator('[data-testid^="org-new-campaign-"]').first().click()
      await page.waitForURL((u) => u.pathname === '/staff/campaigns/new')
      await page.getByTestId('campaign-title').fill(title)
      await page.getByTestId('campaign-summary').fill('为隆安县留守儿童购置冬衣。')
      await page.getByTestId('campaign-target').fill('10000')
      await page.getByTestId('campaign-start').fill('2026-11-01')
      await page.getByTestId('campaign-end').fill('2027-02-28')
      await expectAccessible(page, 'the new campaign form')
      await shot(page, desktop, 'money-campaign-new')
      await page.getByTestId('campaign-submit').click()
      await page.waitForURL((u) => u.pathname.startsWith('/campaigns/'))
      campaignId = new URL(page.url()).pathname.split('/').pop()
      assert.ok(campaignId)
      await page.getByTestId('campaign-totals').waitFor()
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

  test('finance publishes a receipt thumbnail and records a refund; the donor sees both on the trace page', TIMEOUT, async () => {
    const title = `圆梦助学 ${unique('P')}`
    let campaignId = ''
    let giftId = ''

    // Set-up through the API (the gift, allocation and four-eyes expense are covered elsewhere).
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      const made = await page.evaluate(async (title) => {
        const csrf = () => document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
        const call = async (method, path, body) => {
          const res = await fetch(`/api/v1${path}`, {
            method,
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
            body: body === undefined ? undefined : JSON.stringify(body),
          })
          return { status: res.status, body: await res.json() }
        }
        const me = (await call('GET', '/auth/me')).body.user
        const org = me.memberships.find((x) => x.org_name === '共青团隆安县委员会').org_id
        const open = ['published', 'partially_fulfilled', 'fulfilled']
        const needs = (await call('GET', `/orgs/${org}/needs?limit=100`)).body.items.filter((n) => n.kind === 'funding' && open.includes(n.status))
        const need = needs[0].id
        const c = await call('POST', '/campaigns', {
          title, summary: '资助困境家庭新生入学。', org_ids: [org], target_fen: 1000000,
          start: '2026-11-01', end: '2027-02-28', status: 'active', need_ids: [need],
        })
        return { org, need, campaign: c.body.id, status: c.status }
      }, title)
      assert.equal(made.status, 201)
      campaignId = made.campaign
      // A donor's gift, through the sandbox's form post.
      await withBrowser(desktop, async (dp) => {
        await loginAs(dp, 'donor@tongban.example')
        giftId = await dp.evaluate(async (ledger) => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
          const o = await (await fetch('/api/v1/donations/checkout', {
            method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
            body: JSON.stringify({ ledger, amount_fen: 30000, anonymous: false }),
          })).json()
          await fetch(`${o.checkout_url}/pay`, { method: 'POST' })
          const gifts = await (await fetch('/api/v1/donor/gifts')).json()
          return gifts.items.find((g) => g.ledger === ledger).donation_id
        }, campaignId)
      })
      assert.ok(giftId)
      const exp = await page.evaluate(async ({ ledger, need }) => {
        const csrf = () => document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
        const post = async (path, body) => {
          const res = await fetch(`/api/v1${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() }, body: JSON.stringify(body) })
          return { status: res.status, body: await res.json() }
        }
        const a = await post('/allocations', { ledger, splits: [{ need_id: need, amount_fen: 25000 }], why: '首批助学款' })
        // An invoice image drawn here.
        const canvas = document.createElement('canvas')
        canvas.width = 640
        canvas.height = 400
        const g = canvas.getContext('2d')
        g.fillStyle = '#fff'
        g.fillRect(0, 0, 640, 400)
        g.fillStyle = '#933'
        g.fillRect(40, 40, 560, 30)
        const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/png'))
        const fd = new FormData()
        fd.append('file', blob, 'invoice.png')
        const up = await (await fetch('/api/v1/uploads', { method: 'POST', headers: { 'X-CSRF-Token': csrf() }, body: fd })).json()
        const x = await post('/expenses', {
          ledger, need_id: need, vendor: '云溪市第一中学', description: '新生入学学费', category: 'tuition', amount_fen: 20000,
          receipts: [{ sha256: up.sha256, blob_key: up.blob_key, content_type: up.content_type, kind: 'invoice' }],
        })
        return { alloc: a.status, expense: x.status, id: x.body.id }
      }, { ledger: campaignId, need: made.need })
      assert.deepEqual([exp.alloc, exp.expense], [201, 201])
      await withBrowser(desktop, async (p2) => {
        await loginAs(p2, 'finance2@tongban.example')
        const st = await p2.evaluate(async (id) => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
          return (await fetch(`/api/v1/expenses/${id}/approve`, { method: 'POST', headers: { 'X-CSRF-Token': csrf } })).status
        }, exp.id)
        assert.equal(st, 200)
      })

      // Publishing, through the UI.
      await page.goto(`/staff/finance/receipts?ledger=${campaignId}`)
      const card = page.getByTestId(`publish-expense-${exp.id}`)
      await card.waitFor()
      await expectAccessible(page, 'the receipt publishing page')
      await card.getByTestId('publish').click()
      await card.getByTestId('unpublish').waitFor()
      await card.locator('img').waitFor()
      await shot(page, desktop, 'money-publish')

      // A refund, through the UI.
      await page.goto('/staff/finance/refunds')
      await page.getByTestId('refund-donation').fill(giftId)
      await page.getByTestId('refund-amount').fill('10')
      await page.getByTestId('refund-why').fill('捐赠人申请部分退款')
      await expectAccessible(page, 'the refund page')
      await page.getByTestId('refund-submit').click()
      await page.getByTestId('refund-done').waitFor()
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      await page.goto('/donor/trace')
      const card = page.getByTestId(`gift-trace-${giftId}`)
      await card.waitFor()
      await card.getByTestId('receipt-thumb').locator('img').waitFor()
      const parts = await card.getByTestId('gift-parts').innerText()
      assert.match(parts, /已支出 ¥200\.00/)
      assert.match(parts, /已退款 ¥10\.00/)
      await expectAccessible(page, 'the trace page with a receipt')
      await shot(page, desktop, 'money-trace-receipt')
    })
  })
})
