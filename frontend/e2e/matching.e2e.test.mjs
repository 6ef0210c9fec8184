// End-to-end test of staff matching against the real Tongban binary: a
// coordinator opens the ranked candidates of a pairing need, proposes the
// demo volunteer (not the top candidate) with a recorded reason, the
// volunteer sees the reason and accepts, staff approve, the volunteer logs
// a session and staff confirm it, after which it counts in the volunteer's
// hours. See app.e2e.test.mjs for how to run. Screenshots go to
// $SHOT_DIR (default /tmp/match).
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS } from './browser.mjs'
import { TIMEOUT, expectAccessible, loginAs, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const VOLUNTEER = 'volunteer@tongban.example'
const STAFF = ['coordinator@tongban.example', 'fulian@tongban.example']
const SHOT_DIR = process.env.SHOT_DIR ?? '/tmp/match'
const REASON = '该志愿者与孩子同在一个乡镇，周末可以上门陪伴，孩子的老师也推荐。'

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

async function shot(page, vp, name) {
  mkdirSync(SHOT_DIR, { recursive: true })
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(SHOT_DIR, `${vp.name}-${name}.png`), fullPage: true })
}

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the viewport`)
}

/** clickAndWait clicks and returns the response of the first API call matching method and path. */
async function clickAndWait(page, locator, method, pathPart) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.includes(pathPart)),
    locator.click(),
  ])
  return res
}

/** api GETs an API path with the page's session. */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, { credentials: 'same-origin' })
    return { status: r.status, body: await r.json() }
  }, path)
}

/**
 * findNeed looks, with a staff member's session, for a published pairing
 * need of their organisations where the volunteer is a candidate but not
 * the top one.
 */
async function findNeed(page, volunteerId) {
  const me = await api(page, '/auth/me')
  for (const m of me.body.user.memberships) {
    const needs = await api(page, `/orgs/${m.org_id}/needs?status=published&limit=100`)
    for (const n of needs.body.items ?? []) {
      if (n.kind !== 'pairing') continue
      const c = await api(page, `/needs/${n.id}/candidates?k=50`)
      const items = c.body.items ?? []
      const mine = items.find((x) => x.volunteer.id === volunteerId)
      if (mine && items[0] && mine.score.total < items[0].score.total) return n
    }
  }
  return null
}

describe('matching', () => {
  test(`staff propose a volunteer against the ranking with a reason; the session is confirmed as hours (${desktop.name})`, TIMEOUT, async () => {
    let volunteerId = ''
    let staff = ''
    let need = null
    let pairing = null
    let logId = ''

    await withBrowser(desktop, async (page) => {
      await loginAs(page, VOLUNTEER)
      volunteerId = (await api(page, '/auth/me')).body.user.id
    })

    // The staff member opens the candidates from the needs list and
    // proposes the volunteer, who is not the top candidate: a reason is
    // required.
    for (const login of STAFF) {
      if (need) break
      await withBrowser(desktop, async (page) => {
        await loginAs(page, login)
        const n = await findNeed(page, volunteerId)
        if (!n) return
        need = n
        staff = login

        // The need page links its staff to the candidates too.
        await page.goto(`/needs/${n.id}`)
        assert.equal(await page.getByTestId('need-candidates').getAttribute('href'), `/staff/needs/${n.id}/candidates`)

        await page.goto(`/staff/needs?org=${n.org_id}&status=public`)
        await page.getByTestId('org-needs-table').waitFor()
        await page.locator(`a[data-testid="org-need-candidates"][href="/staff/needs/${n.id}/candidates"]`).click()
        await page.getByTestId('staff-candidates').waitFor()
        await page.getByTestId('candidate').first().waitFor()
        await page.getByTestId('score-chart').locator('svg').waitFor()
        assert.equal(await page.getByTestId('candidate').first().getAttribute('data-top'), 'true', 'the first candidate is the top one')
        assert.ok((await page.getByTestId('candidate').first().getByTestId('score-reason').count()) > 0, 'a candidate explains its score')
        await expectAccessible(page, 'the candidates page')
        await noSidewaysScroll(page, 'the candidates page')
        await shot(page, desktop, 'candidates')

        const card = page.locator(`[data-testid="candidate"][data-volunteer="${volunteerId}"]`)
        while ((await card.count()) === 0 && (await page.getByTestId('candidates-more').count()) > 0) {
          const shown = await page.getByTestId('candidate').count()
          const more = await clickAndWait(page, page.getByTestId('candidates-more'), 'GET', '/candidates')
          assert.equal(more.status(), 200)
          await page.getByTestId('candidate').nth(shown).waitFor()
        }
        assert.equal(await card.getAttribute('data-top'), 'false')
        assert.equal(await card.getByTestId('candidate-propose').count(), 0, 'no reason-free proposal for a lower candidate')
        await card.getByTestId('candidate-override').click()
        await card.getByTestId('override-submit').click()
        await card.getByTestId('override-error').waitFor()
        await expectAccessible(page, 'the override form with an error')
        await card.getByTestId('override-reason').fill(REASON)
        const res = await clickAndWait(page, card.getByTestId('override-submit'), 'POST', `/needs/${n.id}/pairings`)
        assert.equal(res.status(), 201, await res.text())
        pairing = await res.json()
        assert.equal(pairing.override, REASON)
        assert.equal(pairing.source, 'staff')
        assert.equal(pairing.status, 'proposed')
        await card.getByTestId('candidate-taken').waitFor()
        await page.getByTestId('candidates-to-pairings').waitFor()
        await expectAccessible(page, 'the candidates page after proposing')
        await shot(page, desktop, 'candidates-proposed')
      })
    }
    assert.ok(need, 'a pairing need of a demo coordinator has the demo volunteer among its candidates below the top')

    // The volunteer sees why they were chosen and accepts.
    await withBrowser(desktop, async (page) => {
      await loginAs(page, VOLUNTEER)
      await page.goto('/volunteer/pairings')
      const item = page.locator('[data-testid="pairing-item"][data-status="proposed"]').filter({ hasText: need.title }).first()
      await item.waitFor()
      assert.ok((await item.getByTestId('pairing-override').textContent()).includes(REASON))
      const res = await clickAndWait(page, item.getByTestId('pairing-accept'), 'POST', `/pairings/${pairing.id}/actions`)
      assert.equal(res.status(), 200, await res.text())
      await page.locator('[data-testid="pairing-item"][data-status="accepted"]').filter({ hasText: need.title }).first().waitFor()
    })

    // Staff see the reason on the pairing and approve it.
    await withBrowser(desktop, async (page) => {
      await loginAs(page, staff)
      await page.goto(`/staff/pairings?org=${need.org_id}&status=accepted`)
      const card = page.locator(`[data-testid="staff-pairing"][data-need="${need.id}"][data-status="accepted"]`)
      await card.waitFor()
      assert.ok((await card.getByTestId('pairing-override').textContent()).includes(REASON))
      const res = await clickAndWait(page, card.getByTestId('pairing-approve'), 'POST', `/pairings/${pairing.id}/actions`)
      assert.equal(res.status(), 200, await res.text())
      assert.equal((await res.json()).status, 'active')
    })

    // The volunteer logs a session; it awaits confirmation.
    await withBrowser(desktop, async (page) => {
      await loginAs(page, VOLUNTEER)
      await page.goto('/volunteer/pairings')
      const item = page.locator('[data-testid="pairing-item"][data-status="active"]').filter({ hasText: need.title }).first()
      await item.getByTestId('log-form').waitFor()
      await item.getByTestId('log-minutes').fill('120')
      await item.getByTestId('log-kind').selectOption('companionship')
      await item.getByTestId('log-note').fill('陪孩子在童伴之家读绘本、做手工，孩子很开心。')
      const res = await clickAndWait(page, item.getByTestId('log-submit'), 'POST', `/pairings/${pairing.id}/logs`)
      assert.equal(res.status(), 201, await res.text())
      logId = (await res.json()).id
      const log = item.locator(`[data-testid="log-item"][data-confirmed="false"]`).filter({ hasText: '读绘本' })
      await log.getByTestId('log-unconfirmed').waitFor()
      const hours = await api(page, '/volunteer/hours')
      assert.ok(!hours.body.items.some((it) => it.source_id === logId), 'an unconfirmed session is not counted')
    })

    // Staff confirm the session.
    await withBrowser(desktop, async (page) => {
      await loginAs(page, staff)
      await page.goto(`/staff/pairings?org=${need.org_id}&status=active`)
      const card = page.locator(`[data-testid="staff-pairing"][data-need="${need.id}"][data-status="active"]`)
      await card.waitFor()
      await card.getByTestId('pairing-logs-toggle').click()
      const log = card.getByTestId('log-item').filter({ hasText: '读绘本' })
      await log.getByTestId('log-confirm').waitFor()
      await expectAccessible(page, 'the staff pairing with a session to confirm')
      const res = await clickAndWait(page, log.getByTestId('log-confirm'), 'POST', `/logs/${logId}/confirm`)
      assert.equal(res.status(), 200, await res.text())
      assert.equal((await res.json()).confirmed, true)
      await log.getByTestId('log-confirmed').waitFor()
      assert.equal(await log.getByTestId('log-confirm').count(), 0)
      await expectAccessible(page, 'the staff pairing with a confirmed session')
      await shot(page, desktop, 'staff-pairing-confirmed')
    })

    // The volunteer sees the session confirmed, and it counts as hours.
    await withBrowser(phone, async (page) => {
      await loginAs(page, VOLUNTEER)
      await page.goto('/volunteer/pairings')
      const item = page.locator('[data-testid="pairing-item"][data-status="active"]').filter({ hasText: need.title }).first()
      await item.locator('[data-testid="log-item"][data-confirmed="true"]').getByTestId('log-confirmed').waitFor()
      const hours = await api(page, '/volunteer/hours')
      assert.equal(hours.status, 200)
      const entry = hours.body.items.find((it) => it.source_id === logId)
      assert.ok(entry, `the confirmed session is in the hours record: ${JSON.stringify(hours.body.items)}`)
      assert.equal(entry.kind, 'pairing')
      assert.equal(entry.minutes, 120)
      await expectAccessible(page, 'my pairings with a confirmed session (phone)')
      await noSidewaysScroll(page, 'my pairings (phone)')
      await shot(page, phone, 'volunteer-pairing-confirmed')
    })
  })

  test(`the candidates page and the batch override form at ${phone.name} size`, TIMEOUT, async () => {
    await withBrowser(phone, async (page) => {
      await loginAs(page, STAFF[1])
      const me = await api(page, '/auth/me')
      const orgId = me.body.user.memberships[0].org_id
      await page.goto(`/staff/matching?org=${orgId}`)
      await page.getByTestId('matching-form').waitFor()
      const run = await clickAndWait(page, page.getByTestId('matching-dry-run'), 'POST', '/matching/runs')
      assert.equal(run.status(), 200, await run.text())
      await page.getByTestId('matching-summary').waitFor()
      const proposal = page.getByTestId('matching-proposal').first()
      if ((await proposal.count()) === 0) return // nothing to override in this demo city
      const needId = (await proposal.getByTestId('matching-candidates-link').getAttribute('href')).split('/')[3]
      await proposal.getByTestId('matching-override').click()
      const form = proposal.getByTestId('matching-override-form')
      await form.waitFor()
      await form.locator('[data-testid="override-volunteer"], [data-testid="matching-no-others"]').first().waitFor()
      const canOverride = (await form.getByTestId('override-volunteer').count()) > 0
      if (canOverride) {
        await form.getByTestId('override-submit').click()
        await form.getByTestId('override-error').waitFor()
      }
      await expectAccessible(page, 'the batch override form (phone)')
      await noSidewaysScroll(page, 'the batch matching page (phone)')
      await shot(page, phone, 'matching-override')
      if (canOverride) {
        // Another volunteer is proposed at once with the reason; recording
        // the run then leaves that need out.
        await form.getByTestId('override-reason').fill('试算建议的志愿者本学期课程较多，改由时间更充裕的志愿者陪伴。')
        const res = await clickAndWait(page, form.getByTestId('override-submit'), 'POST', `/needs/${needId}/pairings`)
        assert.equal(res.status(), 201, await res.text())
        assert.equal((await res.json()).source, 'staff')
        await proposal.getByTestId('matching-overridden').waitFor()
        await page.getByTestId('matching-overridden-note').waitFor()
        if (await page.getByTestId('matching-record').isEnabled()) {
          const [rec] = await Promise.all([
            page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/matching/runs')),
            page.getByTestId('matching-record').click(),
          ])
          const body = JSON.parse(rec.postData() ?? '{}')
          assert.equal(body.dry_run, false)
          assert.ok(!body.need_ids.includes(needId), 'the overridden need is left out of the recorded run')
          const recRes = await rec.response()
          assert.equal(recRes?.status(), 201, await recRes?.text())
        }
        await expectAccessible(page, 'the batch matching page after an override (phone)')
      }

      await page.goto(`/staff/needs/${needId}/candidates`)
      await page.getByTestId('staff-candidates').waitFor()
      await page.locator('[data-testid="candidate"], [data-testid="candidates-empty"]').first().waitFor()
      await expectAccessible(page, 'the candidates page (phone)')
      await noSidewaysScroll(page, 'the candidates page (phone)')
      await shot(page, phone, 'candidates')
    })
  })
})
