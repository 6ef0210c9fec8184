// End-to-end test of in-kind pledges against the real Tongban binary: the
// demo donor pledges 3 winter coats of size 130 on the demo in-kind need,
// finance staff mark them received and then delivered with a photo, and the
// donor sees "3 件 130 码棉衣已送达".
// Run: npm run build, build the binary, then
// TONGBAN_BIN=<binary> node --test e2e/pledges.e2e.test.mjs
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS } from './browser.mjs'
import { DEMO_PASSWORD, TIMEOUT, expectAccessible, loginAs, navTo, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const NEED_TITLE = '寒冬送温暖：石门镇童伴之家棉衣认捐'
const shotDir = process.env.PLEDGE_SHOTS ?? '/tmp/kind'

// A 16×16 PNG: the delivery photo.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAABxElEQVR4nA3LobJFUAAAwPc5sizLJxpJECQjnmgkQZCMeKKRBEEy4n7Wu9v3T8hUmSbTZYZMzIyZObNm9kzKHJkr82S+jOxPyFW5JtflhlzMjbk5t+b2XModuSv35L6c/BcKVaEpdIWhEAtjYS6shb2QCkfhKjyFr6D4hVJVakpdaSjF0liaS2tpL6XSUbpKT+krKX8hqIIm6IIhiMEYzMEa7EEKjuAKnuALhF+oVbWm1tWGWqyNtbm21vZaqh21q/bUvpr6F1pVq2l1raEVW2Nrbq2tvZVaR+tqPa2vpf2FXtVrel1v6MXe2Jt7a2/vpd7Ru3pP7+vpfyGqoibqoiGK0RjN0RrtUYqO6Iqe6IvEX5hUk2bSTYZJnIyTebJO9kmaHJNr8ky+iekXFtWiWXSLYREX42JerIt9kRbH4lo8i29h+YVNtWk23WbYxM24mTfrZt+kzbG5Ns/m29h+IamSJumSIYnJmMzJmuxJSo7kSp7kS6RfOFWn5tSdhlM8jaf5tJ72Uzodp+v0nL6T8xdu1a25dbfhFm/jbb6tt/2Wbsftuj237+b+hVf1al7da3jF1/iaX+trf6XX8bpez+t7ef8Bi+LHED6u07sAAAAASUVORK5CYII=',
  'base64',
)

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
  mkdirSync(shotDir, { recursive: true })
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(shotDir, `${vp.name}-${name}.png`), fullPage: true })
}

/** openDemoNeed finds the demo winter-coat need through the public search and opens it. */
async function openDemoNeed(page) {
  await page.goto('/needs')
  await page.getByTestId('needs-search').fill('石门镇童伴之家棉衣')
  await page.getByTestId('needs-search-submit').click()
  await page.getByTestId('need-card-link').filter({ hasText: NEED_TITLE }).first().click()
  await page.waitForURL((u) => u.pathname.startsWith('/needs/'))
  await page.getByTestId('pledge-form').waitFor()
}

/** api calls the API from the page with its session and CSRF cookie; it answers status, body and ETag. */
function api(page, method, path, body, ifMatch) {
  return page.evaluate(
    async ({ method, path, body, ifMatch }) => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
      const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) }
      if (ifMatch) headers['If-Match'] = ifMatch
      const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      let json = null
      try {
        json = JSON.parse(text)
      } catch {
        json = text
      }
      return { status: res.status, body: json, etag: res.headers.get('ETag') }
    },
    { method, path, body, ifMatch },
  )
}

/** switchUser logs the page in as another demo user through the API (waiting out the log-in rate limit once). */
async function switchUser(page, login) {
  for (let attempt = 0; ; attempt++) {
    const r = await api(page, 'POST', '/auth/login', { login, password: DEMO_PASSWORD })
    if (r.status === 200) return
    assert.ok(r.status === 429 && attempt === 0, `log-in of ${login}: ${r.status} ${JSON.stringify(r.body)}`)
    console.log('# login rate limit reached; waiting 61 s')
    await page.waitForTimeout(61_000)
  }
}

describe('in-kind pledges', () => {
  test('a donor pledges 3 × 130 coats; staff receive and deliver them with a photo; the donor sees 已送达', TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      await openDemoNeed(page)
      // The call to action leads to the form and focuses its first open line.
      await page.getByTestId('need-cta').click()
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid')?.startsWith('pledge-count-'))
      const line = page.locator('[data-testid="pledge-line"][data-size="130"]')
      assert.equal(await line.getByTestId('pledge-left').innerText(), '10')
      await expectAccessible(page, 'the in-kind need page with the pledge form')
      await snap(page, desktop, 'pledge-form')
      // More than is left is refused before it is sent.
      await line.locator('input').fill('11')
      await page.getByTestId('pledge-submit').click()
      await page.getByTestId('pledge-form-error').waitFor()
      await line.locator('input').fill('3')
      await page.getByTestId('pledge-submit').click()
      await page.getByTestId('pledge-success').filter({ hasText: '3 件 130 码棉衣已认捐' }).waitFor()
      await line.getByTestId('pledge-left').filter({ hasText: '7' }).waitFor()
      await page.getByTestId('pledge-mine-link').click()
      await page.waitForURL((u) => u.pathname === '/donor/pledges')
      await page.getByTestId('pledge-trace').filter({ hasText: '3 件 130 码棉衣已认捐' }).waitFor()
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      // From the need page: its pledges only.
      await openDemoNeed(page)
      await page.getByTestId('need-pledges').click()
      await page.waitForURL((u) => u.pathname === '/staff/pledges' && u.searchParams.has('need'))
      await page.getByTestId('staff-pledge').first().waitFor()
      assert.equal(await page.getByTestId('pledge-need-filter').locator('option:checked').innerText(), NEED_TITLE)
      await page.goto('/staff')
      await page.locator('[data-testid^="org-pledges-"]').first().click()
      await page.waitForURL((u) => u.pathname === '/staff/pledges')
      const row = page.getByTestId('staff-pledge').filter({ hasText: '3 件 130 码棉衣已认捐' })
      await row.waitFor()
      await row.getByTestId('pledge-receive').click()
      const received = page.getByTestId('staff-pledge').filter({ hasText: '3 件 130 码棉衣已由机构收到' })
      await received.waitFor()
      await page.getByTestId('pledge-suggest-run').click()
      await page.getByTestId('pledge-assignment').first().waitFor()
      await received.getByTestId('pledge-deliver').click()
      await page.getByTestId('delivery-form').waitFor()
      assert.equal(await page.getByTestId('delivery-count').inputValue(), '3')
      // Without a photo the form says so.
      await page.getByTestId('delivery-save').click()
      await page.getByTestId('delivery-form').locator('.field-error').first().waitFor()
      await page.getByTestId('delivery-photo').setInputFiles({ name: 'delivery.png', mimeType: 'image/png', buffer: PHOTO })
      await expectAccessible(page, 'pledge tracking with the delivery form')
      await snap(page, desktop, 'pledge-staff')
      await page.getByTestId('delivery-save').click()
      const delivered = page.getByTestId('staff-pledge').filter({ hasText: '3 件 130 码棉衣已送达' })
      await delivered.getByTestId('staff-pledge-photo').waitFor()
    })

    for (const vp of [desktop, phone]) {
      await withBrowser(vp, async (page) => {
        await loginAs(page, 'donor@tongban.example')
        if (vp.phone) await navTo(page, vp, 'nav-donor')
        else await page.goto('/donor')
        await page.getByTestId('donor-pledges-link').click()
        await page.waitForURL((u) => u.pathname === '/donor/pledges')
        const mine = page.getByTestId('my-pledge').filter({ hasText: '3 件 130 码棉衣已送达' })
        await mine.waitFor()
        const img = mine.getByTestId('pledge-photo')
        await img.waitFor()
        await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle())
        await expectAccessible(page, `my pledges at ${vp.name} size`)
        await snap(page, vp, 'my-pledges')
        if (vp.phone) {
          // The same trace in English.
          await page.getByTestId('lang-switch').click()
          await page.getByTestId('pledge-trace').filter({ hasText: '3 winter coats, size 130: delivered' }).waitFor()
          await page.getByTestId('lang-switch').click()
          await openDemoNeed(page)
          await page.locator('[data-testid="pledge-line"][data-size="130"]').getByTestId('pledge-left').filter({ hasText: '7' }).waitFor()
          await expectAccessible(page, 'the pledge form at phone size')
          await snap(page, vp, 'pledge-form')
        }
      })
    }

    // Staff tracking at phone size, in English.
    await withBrowser(phone, async (page) => {
      await loginAs(page, 'finance@tongban.example')
      await page.getByTestId('lang-switch').click()
      await page.goto('/staff')
      await page.locator('[data-testid^="org-pledges-"]').first().click()
      await page.getByTestId('staff-pledge').filter({ hasText: '3 winter coats, size 130: delivered' }).waitFor()
      await expectAccessible(page, 'pledge tracking at phone size')
      await snap(page, phone, 'pledge-staff-en')
    })
  })
  test('staff apply the suggestion: coats pledged to a less urgent need go to a more urgent one', TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'donor@tongban.example')
      const mine = (await api(page, 'GET', '/donor/pledges')).body.items
      const demo = mine.find((p) => p.need_title === NEED_TITLE && p.lines.some((l) => l.size === '130'))
      assert.ok(demo, 'the donor pledged coats of size 130 to the demo need')
      const line130 = demo.lines.find((l) => l.size === '130').item
      const pledged = await api(page, 'POST', `/needs/${demo.need_id}/pledges`, { lines: [{ item: line130, count: 2 }] })
      assert.equal(pledged.status, 201, JSON.stringify(pledged.body))

      // A more urgent need of the same organisation (earlier deadline) lacks 2 coats of size 130.
      await switchUser(page, 'coordinator@tongban.example')
      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
      const created = await api(page, 'POST', `/orgs/${demo.org_id}/needs`, {
        kind: 'in_kind',
        category: 'winter_clothing',
        title: '寒冬送温暖：山区教学点急需棉衣',
        narrative: '山区教学点今冬急需一批棉衣，按尺码统计如下，欢迎认捐。',
        county_code: '439921',
        age_band: { min: 9, max: 11 },
        children: 2,
        mode: 'in_person',
        urgency: 5,
        deadline,
        items: [{ type: 'winter_coat', size: '130', count: 2 }],
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const urgent = created.body.id
      const submitted = await api(page, 'POST', `/needs/${urgent}/transitions`, { action: 'submit' }, created.etag)
      assert.equal(submitted.status, 200, JSON.stringify(submitted.body))
      await switchUser(page, 'reviewer@tongban.example')
      const approved = await api(page, 'POST', `/needs/${urgent}/transitions`, { action: 'approve' }, submitted.etag)
      assert.equal(approved.status, 200, JSON.stringify(approved.body))

      // Finance staff (staff of the organisation) see the move suggested and apply it.
      await switchUser(page, 'finance@tongban.example')
      await page.goto(`/staff/pledges?org=${demo.org_id}`)
      await page.getByTestId('staff-pledge').first().waitFor()
      await page.getByTestId('pledge-suggest-run').click()
      await page.locator('[data-testid="pledge-assignment"][data-moves="true"]').filter({ hasText: '山区教学点' }).first().waitFor()
      await page.getByTestId('pledge-apply').click()
      await page.getByTestId('pledge-apply-confirm').waitFor()
      await expectAccessible(page, 'pledge tracking with the apply confirmation')
      await snap(page, desktop, 'pledge-apply-confirm')
      await page.getByTestId('pledge-apply-confirm').click()
      await page.getByTestId('pledge-apply-done').waitFor()
      await page.getByTestId('pledge-assignment').first().waitFor()
      assert.equal(await page.locator('[data-testid="pledge-assignment"][data-moves="true"]').count(), 0, 'nothing moves once applied')
      assert.equal(await page.getByTestId('pledge-apply').count(), 0)
      await snap(page, desktop, 'pledge-applied')
      const need = (await api(page, 'GET', `/needs/${urgent}`)).body
      const n = need.need ?? need
      assert.equal(n.items[0].pledged, 2, `the urgent need's line holds the 2 coats: ${JSON.stringify(n.items)}`)
    })
  })
})
