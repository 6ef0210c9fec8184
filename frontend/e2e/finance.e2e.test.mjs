// End-to-end test of the finance-staff pages against the real Tongban
// binary: a donor gives through the sandbox checkout, finance staff record
// an offline gift with a bank slip, preview and apply a policy allocation,
// record an expense with a receipt (the PII screen's 422 shown inline
// first), the author cannot approve it, a second finance user does, and the
// donor sees the money spent on their trace page; the public campaign page
// shows the hash chain and the report downloads.
// Run: npm run build, build the binary, then
// TONGBAN_BIN=<binary> node --test e2e/finance.e2e.test.mjs
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS } from './browser.mjs'
import { TIMEOUT, expectAccessible, loginAs, unique, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const shotDir = process.env.FINANCE_SHOTS ?? '/tmp/fin'
const fileDir = join(tmpdir(), `tongban-finance-e2e-${process.pid}`)
mkdirSync(shotDir, { recursive: true })
mkdirSync(fileDir, { recursive: true })

// A 1×1 PNG (the bank slip) and a minimal PDF (the invoice).
const slipPath = join(fileDir, 'bank-slip.png')
writeFileSync(
  slipPath,
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
)
const invoicePath = join(fileDir, 'invoice.pdf')
writeFileSync(invoicePath, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

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

async function snap(page, vp, name) {
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(shotDir, `${vp.name}-${name}.png`), fullPage: true })
}

/** api calls the API from the page with its session and CSRF cookie. */
function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
      const res = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      let json = null
      try {
        json = JSON.parse(text)
      } catch {
        json = text
      }
      return { status: res.status, body: json }
    },
    { method, path, body },
  )
}

/** yuan renders fen as the pages do ("¥1,234.56"). */
function yuan(fen) {
  const y = Math.floor(fen / 100)
  return `¥${String(y).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(fen % 100).padStart(2, '0')}`
}

describe('finance staff: gift → allocation → expense → four-eyes approval → donor trace', () => {
  const title = `助学金 ${unique('F')}`
  const vendor = `县文具店${unique('V')}`
  let campaignId = ''
  let spentBefore = 0
  let offlineSlip = ''

  test(`set-up and a sandbox gift (${desktop.name})`, TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      const me = (await api(page, 'GET', '/auth/me')).body
      const m = me.user.memberships.find((x) => x.org_name === '共青团隆安县委员会') ?? me.user.memberships[0]
      const needs = (await api(page, 'GET', `/orgs/${m.org_id}/needs?status=published,partially_fulfilled&limit=100`)).body.items
      const gap = (n) => n.target_fen - (n.progress?.raised_fen ?? 0)
      const funding = needs.filter((n) => n.kind === 'funding' && gap(n) >= 10000).sort((a, b) => gap(b) - gap(a)).slice(0, 3)
      assert.ok(funding.length > 0, `the demo organisation has published funding needs with a gap: ${JSON.stringify(needs.map((n) => [n.kind, n.status, n.target_fen, n.progress]))}`)
      const created = await api(page, 'POST', '/campaigns', {
        title,
        summary: '为困境学生购置学习用品。',
        org_ids: [m.org_id],
        target_fen: 5000000,
        start: '2026-11-01',
        end: '2027-06-30',
        need_ids: funding.map((n) => n.id),
        status: 'active',
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      campaignId = created.body.id
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      spentBefore = (await api(page, 'GET', '/donor/trace')).body.spent_fen
      await page.goto(`/donor/give?campaign=${campaignId}`)
      await page.getByTestId('give-target').filter({ hasText: title }).waitFor()
      await page.getByTestId('give-amount').fill('500')
      await page.getByTestId('give-submit').click()
      await page.waitForURL((u) => u.pathname.startsWith('/sandbox/checkout/'))
      await page.locator('#pay').click()
      await page.waitForURL((u) => u.pathname === '/donor' && u.searchParams.has('paid'))
    })
  })

  test(`the first finance user records, allocates and spends (${desktop.name})`, TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      await page.goto('/staff')
      await page.getByTestId('staff-finance-link').click()
      await page.waitForURL((u) => u.pathname === '/staff/finance')
      await page.getByTestId('finance-ledger').selectOption(campaignId)
      await page.waitForURL((u) => u.searchParams.get('ledger') === campaignId)
      await page.getByTestId('balance-pool').filter({ hasText: '¥500.00' }).waitFor()
      await expectAccessible(page, 'the finance desk')
      await snap(page, desktop, 'finance-home')

      // An offline cash gift with its receipt.
      await page.getByTestId('finance-gift-link').click()
      await page.waitForURL((u) => u.pathname === '/staff/finance/gifts/new')
      await page.getByTestId('gift-submit').click()
      await page.getByTestId('error-gift-amount').waitFor()
      await page.getByTestId('error-gift-slip').waitFor()
      await page.getByTestId('gift-channel-cash').check()
      await page.getByTestId('gift-amount').fill('200')
      await page.getByTestId('gift-slip-input').setInputFiles(slipPath)
      await page.getByTestId('gift-slip-list').waitFor()
      await page.getByTestId('gift-note').fill('线下现金捐赠')
      // The donor is picked by their exact e-mail address, confirmed by the masked name.
      await page.getByTestId('gift-donor-account').check()
      await page.getByTestId('gift-submit').click()
      await page.getByTestId('error-gift-donor-mode').waitFor()
      await page.getByTestId('gift-donor-contact').fill('nobody@tongban.example')
      await page.getByTestId('gift-donor-lookup').click()
      await page.getByTestId('error-gift-donor').waitFor()
      await page.getByTestId('gift-donor-contact').fill('donor@tongban.example')
      await page.getByTestId('gift-donor-lookup').click()
      const found = await page.getByTestId('gift-donor-match').innerText()
      assert.match(found, /\*/, `the donor's name is shown masked: ${found}`)
      assert.equal(await page.getByTestId('error-gift-donor-mode').count(), 0)
      await snap(page, desktop, 'finance-gift-donor')
      await expectAccessible(page, 'the offline gift form')
      await page.getByTestId('gift-submit').click()
      await page.getByTestId('gift-done').waitFor()
      await page.getByTestId('balance-pool').filter({ hasText: '¥700.00' }).waitFor()
      // The slip opens from the confirmation and from the recent gifts list.
      const giftRow = page.getByTestId('gift-recent-row').filter({ hasText: '线下现金捐赠' })
      await giftRow.waitFor()
      const slipHref = await giftRow.getByTestId('gift-recent-slip').getAttribute('href')
      assert.equal(await page.getByTestId('gift-done-slip').getAttribute('href'), slipHref)
      const slipFile = await page.evaluate(async (h) => {
        const r = await fetch(h)
        return { status: r.status, type: r.headers.get('content-type') }
      }, slipHref)
      assert.deepEqual(slipFile, { status: 200, type: 'image/png' })
      offlineSlip = slipHref
      await expectAccessible(page, 'the offline gift page with the recent gifts')
      await snap(page, desktop, 'finance-gift')

      // Allocation: preview by policy, then apply.
      await page.getByTestId('finance-nav-finance-allocate').click()
      await page.waitForURL((u) => u.pathname === '/staff/finance/allocate')
      await page.getByTestId('allocate-available').filter({ hasText: '¥700.00' }).waitFor()
      // Less than the donor's ¥500, so the allocated money is all theirs
      // (first in, first out); the policy caps each need at its gap.
      await page.getByTestId('allocate-amount').fill('300')
      await page.getByTestId('allocate-preview').click()
      await page.getByTestId('preview-table').waitFor()
      const summary = await page.getByTestId('preview-summary').innerText()
      assert.match(summary, /¥[1-9][\d,]*\.\d\d/, summary)
      await expectAccessible(page, 'the allocation preview')
      await snap(page, desktop, 'finance-allocate-preview')
      await page.getByTestId('allocate-apply').click()
      await page.getByTestId('allocate-done').waitFor()
      await page.getByTestId('allocate-available').filter({ hasNotText: '¥700.00' }).waitFor()

      // An expense from a need that now holds money.
      const bal = (await api(page, 'GET', `/ledgers/${campaignId}/balances`)).body
      const need = bal.needs.find((n) => n.available_fen >= 10000)
      assert.ok(need, `a need holds at least ¥100: ${JSON.stringify(bal.needs)}`)
      await page.getByTestId('finance-nav-finance-expense').click()
      await page.waitForURL((u) => u.pathname === '/staff/finance/expenses/new')
      await page.getByTestId('expense-submit').click()
      for (const f of ['need', 'vendor', 'description', 'category', 'amount', 'receipts']) {
        await page.getByTestId(`error-expense-${f}`).waitFor()
      }
      await page.getByTestId('expense-need').selectOption(need.need_id)
      await page.getByTestId('expense-vendor').fill(vendor)
      await page.getByTestId('expense-description').fill('学习用品，联系人电话 13812345678')
      await page.getByTestId('expense-category').selectOption('school_supplies')
      await page.getByTestId('expense-amount').fill('100')
      await page.getByTestId('expense-receipts-input').setInputFiles(invoicePath)
      await page.getByTestId('expense-receipts-list').waitFor()
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/expenses') && r.request().method() === 'POST'),
        page.getByTestId('expense-submit').click(),
      ])
      assert.equal(res.status(), 422, 'the PII screen rejects a phone number')
      const piiError = await page.getByTestId('error-expense-description').innerText()
      assert.ok(piiError.length > 0, 'the description shows the server reason inline')
      await expectAccessible(page, 'the expense form with a server error')
      await snap(page, desktop, 'finance-expense-pii')
      await page.getByTestId('expense-description').fill('新学期学习用品一批（文具、书包）')
      await page.getByTestId('expense-submit').click()
      await page.getByTestId('expense-done').waitFor()

      // The author sees why they cannot approve it.
      await page.getByTestId('expense-to-queue').click()
      await page.waitForURL((u) => u.pathname === '/staff/finance/approvals')
      const card = page.getByTestId('approvals-list').locator('li').filter({ hasText: vendor })
      await card.getByTestId('approve-blocked').waitFor()
      assert.equal(await card.getByTestId('approve').isDisabled(), true, 'the author cannot approve')
      await expectAccessible(page, 'the approval queue (author)')
      await snap(page, desktop, 'finance-approvals-author')
    })
  })

  test(`the second finance user approves; the donor sees it (${desktop.name})`, TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance2@tongban.example')
      await page.goto(`/staff/finance/approvals?ledger=${campaignId}`)
      const card = page.getByTestId('approvals-list').locator('li').filter({ hasText: vendor })
      await card.waitFor()
      assert.equal(await card.getByTestId('approve-blocked').count(), 0)
      const href = await card.getByTestId('expense-file-0').getAttribute('href')
      const file = await page.evaluate(async (h) => {
        const r = await fetch(h)
        return { status: r.status, type: r.headers.get('content-type') }
      }, href)
      assert.deepEqual(file, { status: 200, type: 'application/pdf' })
      await expectAccessible(page, 'the approval queue (second user)')
      await card.getByTestId('approve').click()
      await page.getByTestId('approvals-notice').waitFor()
      await page.getByTestId('approvals-tab-approved').click()
      await page.getByTestId('approvals-list').locator('li').filter({ hasText: vendor }).waitFor()
      await snap(page, desktop, 'finance-approvals-approved')
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      const tr = (await api(page, 'GET', '/donor/trace')).body
      const gifts = (await api(page, 'GET', '/donor/gifts')).body.items
      assert.ok(
        gifts.some((g) => g.ledger === campaignId && g.channel === 'cash' && g.amount_fen === 20000),
        `the offline cash gift is linked to the donor picked: ${JSON.stringify(gifts.slice(0, 3))}`,
      )
      const donorSlip = await page.evaluate(async (h) => (await fetch(h)).status, offlineSlip)
      assert.equal(donorSlip, 403, 'the donor cannot open the bank slip')
      assert.equal(tr.spent_fen - spentBefore, 10000, 'the donor’s gift paid the ¥100 expense')
      await page.goto('/donor/trace')
      await page.getByTestId('trace-totals').filter({ hasText: yuan(tr.spent_fen) }).waitFor()
      await page.getByTestId('flow-sankey').waitFor()
      await snap(page, desktop, 'finance-donor-trace')

      await page.goto(`/campaigns/${campaignId}`)
      await page.getByTestId('ledger-table').locator('tbody tr').nth(3).waitFor()
      assert.equal(await page.getByTestId('chain-broken').count(), 0, 'the hash chain links up')
      assert.equal(await page.getByTestId('chain-ok').count(), 4)
      await page.getByTestId('report-downloads').waitFor()
      const csv = await page.evaluate(async (h) => (await fetch(h)).status, await page.getByTestId('download-csv').getAttribute('href'))
      assert.equal(csv, 200)
      const xlsx = await page.evaluate(async (h) => (await fetch(h)).status, await page.getByTestId('download-xlsx').getAttribute('href'))
      console.log(`# report.xlsx answered ${xlsx}`)
      await expectAccessible(page, 'the campaign page with the public ledger')
      await snap(page, desktop, 'finance-campaign')
    })
  })

  test(`the finance pages at ${phone.name} size (${phone.width}×${phone.height})`, TIMEOUT, async () => {
    await withBrowser(phone, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      for (const [path, testid, name] of [
        [`/staff/finance?ledger=${campaignId}`, 'balances-panel', 'finance-home'],
        [`/staff/finance/gifts/new?ledger=${campaignId}`, 'gift-form', 'finance-gift'],
        [`/staff/finance/allocate?ledger=${campaignId}`, 'allocate-form', 'finance-allocate'],
        [`/staff/finance/expenses/new?ledger=${campaignId}`, 'expense-form', 'finance-expense'],
        [`/staff/finance/approvals?ledger=${campaignId}&status=approved`, 'approvals-list', 'finance-approvals'],
      ]) {
        await page.goto(path)
        await page.getByTestId(testid).waitFor()
        await page.getByTestId('balances-panel').waitFor()
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`)
        await expectAccessible(page, `${path} on a phone`)
        await snap(page, phone, name)
      }
    })
  })
})
