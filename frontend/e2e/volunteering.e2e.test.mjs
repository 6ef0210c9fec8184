// End-to-end tests of the volunteer and matching pages against the real
// Tongban binary: the demo volunteer edits their profile, signs up for a
// recommended need, the coordinator approves the pairing, the volunteer
// logs a session (after a note with PII is refused). See app.e2e.test.mjs
// for how to run.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS, shot } from './browser.mjs'
import { TIMEOUT, expectAccessible, loginAs, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const VOLUNTEER = 'volunteer@tongban.example'
const STAFF = ['coordinator@tongban.example', 'fulian@tongban.example']

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

/** editProfile opens the profile editor, marks Saturday 14:00–16:00 by dragging and saves. */
async function editProfile(page, vp) {
  await page.goto('/volunteer')
  await page.getByTestId('link-volunteer-profile').click()
  await page.getByTestId('profile-form').waitFor()
  await page.getByTestId('verification-ok').waitFor()
  await expectAccessible(page, `the volunteer profile (${vp.name})`)
  await noSidewaysScroll(page, `the volunteer profile (${vp.name})`)
  await page.getByTestId('mode-online').check()
  await page.getByTestId('mode-in_person').check()
  await page.getByTestId('subject-math').check()
  await page.getByTestId('vol-capacity').fill('3')
  await page.getByTestId('vol-travel').fill('200')
  const cellSelected = (slot) => page.getByTestId(`slot-6-${slot}`).getAttribute('aria-selected')
  if ((await cellSelected('14:00')) === 'true') {
    await page.getByTestId('slot-6-14:00').click()
    assert.equal(await cellSelected('14:00'), 'false')
  }
  const from = page.getByTestId('slot-6-14:00')
  const to = page.getByTestId('slot-6-15:30')
  await from.scrollIntoViewIfNeeded()
  const a = await from.boundingBox()
  const b = await to.boundingBox()
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 })
  await page.mouse.up()
  for (const s of ['14:00', '14:30', '15:00', '15:30']) assert.equal(await cellSelected(s), 'true', `Saturday ${s} is marked`)
  const res = await clickAndWait(page, page.getByTestId('profile-save'), 'PUT', '/api/v1/volunteer/profile')
  assert.equal(res.status(), 200)
  const saved = await res.json()
  assert.ok(
    saved.availability.some((s) => s.day === 6 && s.start <= '14:00' && s.end >= '16:00'),
    `Saturday 14:00–16:00 is saved: ${JSON.stringify(saved.availability)}`,
  )
  assert.equal(saved.capacity, 3)
  await page.getByTestId('status-note').waitFor()
  await shot(page, vp, 'volunteer-profile')
}

describe('volunteering', () => {
  test(`the volunteer profile editor at ${phone.name} size (${phone.width}×${phone.height})`, TIMEOUT, async () => {
    await withBrowser(phone, async (page) => {
      await loginAs(page, VOLUNTEER)
      await editProfile(page, phone)
    })
  })

  test(`a volunteer signs up for a recommended need, staff approve, the volunteer logs a session (${desktop.name})`, TIMEOUT, async () => {
    // The demo seeds needs for random organisations; whichever organisation's
    // need is recommended, its coordinator approves (the coordinator account
    // first, the women's federation's coordinator otherwise).
    let pairing
    const staffOrgs = new Map()
    for (const login of STAFF) {
      await withBrowser(desktop, async (page) => {
        await loginAs(page, login)
        await page.getByTestId('staff-needs-links').waitFor()
        const ids = await page
          .locator('[data-testid^="org-pairings-"]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').replace('org-pairings-', '')))
        for (const id of ids) if (!staffOrgs.has(id)) staffOrgs.set(id, login)
      })
    }
    const orgIds = [...staffOrgs.keys()]
    assert.ok(orgIds.length > 0, 'the demo coordinators work for organisations')

    await withBrowser(desktop, async (page) => {
      await loginAs(page, VOLUNTEER)
      await editProfile(page, desktop)

      await page.goto('/volunteer')
      await page.getByTestId('link-volunteer-recommendations').click()
      await page.getByTestId('volunteer-recommendations').waitFor()
      await page.getByTestId('rec-item').first().waitFor()
      const first = page.locator(orgIds.map((o) => `[data-testid="rec-item"][data-org="${o}"]`).join(', ')).first()
      if ((await first.count()) === 0 && (await page.getByTestId('recs-more').count()) > 0) {
        const more = await clickAndWait(page, page.getByTestId('recs-more'), 'GET', '/volunteer/recommendations')
        assert.equal(more.status(), 200)
        await page.getByTestId('rec-item').nth(10).waitFor()
      }
      assert.ok((await first.count()) > 0, 'a need of the coordinator’s organisation is recommended')
      await expectAccessible(page, 'the recommendations')
      assert.ok((await first.getByTestId('score-reason').count()) > 0, 'a recommendation explains its score')
      await shot(page, desktop, 'volunteer-recommendations')
      const res = await clickAndWait(page, first.getByTestId('rec-signup'), 'POST', '/signup')
      assert.equal(res.status(), 201, await res.text())
      pairing = await res.json()
      assert.equal(pairing.status, 'accepted')
      await page.getByTestId('status-note').waitFor()

      await page.goto('/volunteer/pairings')
      const item = page.locator(`[data-testid="pairing-item"][data-status="accepted"]`).first()
      await item.waitFor()
      await expectAccessible(page, 'my pairings')
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, staffOrgs.get(pairing.org_id))
      await page.getByTestId('staff-needs-links').waitFor()
      await page.getByTestId(`org-pairings-${pairing.org_id}`).click()
      await page.getByTestId('staff-pairings').waitFor()
      const card = page.locator(`[data-testid="staff-pairing"][data-need="${pairing.need_id}"][data-status="accepted"]`)
      await card.waitFor()
      await expectAccessible(page, 'the staff pairings')
      await shot(page, desktop, 'staff-pairings')
      const res = await clickAndWait(page, card.getByTestId('pairing-approve'), 'POST', `/pairings/${pairing.id}/actions`)
      assert.equal(res.status(), 200, await res.text())
      assert.equal((await res.json()).status, 'active')
      await page.locator(`[data-testid="staff-pairing"][data-need="${pairing.need_id}"][data-status="active"]`).waitFor()

      await page.goto(`/staff/matching?org=${pairing.org_id}`)
      await page.getByTestId('matching-form').waitFor()
      await expectAccessible(page, 'the batch matching page')
      const run = await clickAndWait(page, page.getByTestId('matching-dry-run'), 'POST', '/matching/runs')
      assert.equal(run.status(), 200, await run.text())
      await page.getByTestId('matching-summary').waitFor()
      if ((await page.getByTestId('matching-proposal').count()) > 0) await page.getByTestId('score-chart').locator('svg').waitFor()
      await expectAccessible(page, 'the batch matching result')
      await shot(page, desktop, 'staff-matching')

      await page.goto('/staff')
      await page.getByTestId('staff-verification-link').click()
      await page.getByTestId('staff-verification').waitFor()
      await page.locator('[data-testid="vq-item"], [data-testid="vq-empty"]').first().waitFor()
      await expectAccessible(page, 'the verification queue')
      if ((await page.getByTestId('vq-item').count()) > 0) {
        await page.getByTestId('vq-record').first().click()
        await page.getByTestId('vq-form').waitFor()
        await page.getByTestId('vq-kind').selectOption('background')
        await page.getByTestId('vq-save').click()
        await page.getByTestId('error-vq-expires').waitFor()
        await expectAccessible(page, 'the record-check dialog')
        await shot(page, desktop, 'staff-verification-dialog', { fullPage: false })
      }
    })

    await withBrowser(desktop, async (page) => {
      await loginAs(page, VOLUNTEER)
      await page.goto('/volunteer/pairings')
      const item = page.locator('[data-testid="pairing-item"][data-status="active"]').filter({ hasText: pairing.need_title }).first()
      await item.getByTestId('log-form').waitFor()
      await item.getByTestId('log-minutes').fill('90')
      await item.getByTestId('log-note').fill('孩子的电话是13812345678，下次再约')
      const bad = await clickAndWait(page, item.getByTestId('log-submit'), 'POST', `/pairings/${pairing.id}/logs`)
      assert.equal(bad.status(), 422)
      await item.getByTestId('log-pii').waitFor()
      await expectAccessible(page, 'a session log refused for PII')
      await shot(page, desktop, 'volunteer-log-pii')
      await item.getByTestId('log-note').fill('一起复习了分数的加减法，完成了两页练习。')
      const good = await clickAndWait(page, item.getByTestId('log-submit'), 'POST', `/pairings/${pairing.id}/logs`)
      assert.equal(good.status(), 201, await good.text())
      await item.getByTestId('log-item').filter({ hasText: '分数的加减法' }).waitFor()
      assert.equal(await item.getByTestId('log-pii').count(), 0)
      await expectAccessible(page, 'my pairings with a logged session')
      await shot(page, desktop, 'volunteer-pairings')
    })
  })
})
