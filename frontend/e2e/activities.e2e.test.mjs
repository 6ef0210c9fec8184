// End-to-end test of the activity pages against the real Tongban binary:
// a coordinator creates an activity, two volunteers fill its companion
// places, a third joins the waitlist and is offered (and accepts) the place
// freed by a cancellation; volunteers check in with the rotating QR link
// (logging in on the way), staff record attendance by hand and confirm
// hours; a volunteer issues a certificate, downloads its PDF and verifies it
// on the public page.
//
// Hours are confirmed only after a session has ended, and sessions are
// created in the future and last at least 15 minutes, so the new session
// cannot also be confirmed within this test: the console shows that it has
// to wait, and hours are confirmed on the demo session held last week.
//
// Run: npm run build, build the binary, then
// TONGBAN_BIN=<binary> node --test e2e/activities.e2e.test.mjs
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS, openBrowser } from './browser.mjs'
import { DEMO_PASSWORD, TIMEOUT, expectAccessible, loginAs, navTo, submitLogin, unique } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const SHOTS = process.env.ACT_SHOTS ?? '/tmp/act'
const COUNTY = '439921'

let server
const open = []

before(async () => {
  server = await startServer()
  mkdirSync(SHOTS, { recursive: true })
})

after(async () => {
  for (const b of open) await b.close().catch(() => {})
  await server?.stop()
})

/** browser opens a browser at a viewport; its errors are checked by done(). */
async function browser(vp) {
  const b = await openBrowser(vp, server.baseURL)
  open.push(b)
  return b
}

async function done(b) {
  assert.deepEqual(b.problems, [], 'the page logged errors')
  await b.close()
  open.splice(open.indexOf(b), 1)
}

async function snap(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
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

/** shanghaiLocal renders a time as the "YYYY-MM-DDTHH:mm" value of a datetime-local input in Asia/Shanghai. */
function shanghaiLocal(ms) {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 16)
}

/** currentCheckinURL reads the check-in link the console shows now. */
async function currentCheckinURL(page) {
  await page.getByTestId('checkin-url').waitFor()
  return page.getByTestId('checkin-url').getAttribute('href')
}

describe('activities', () => {
  test('create, fill, waitlist, promote, QR check-in, hours, certificate', TIMEOUT, async () => {
    const title = `周末陪伴 ${unique('A')}`
    const start = Date.now() + 20 * 60_000
    let activityId = ''
    let sessionId = ''

    // Staff create the activity through the form.
    const staff = await browser(desktop)
    const sp = staff.page
    await loginAs(sp, 'coordinator@tongban.example')
    await navTo(sp, desktop, 'nav-staff')
    await sp.locator('[data-testid^="org-activities-"]').first().click()
    await sp.waitForURL((u) => u.pathname === '/staff/activities')
    await sp.getByTestId('new-activity').click()
    await sp.getByTestId('form-submit').click()
    await sp.locator('.field-error').first().waitFor() // the form checks before sending
    await sp.getByTestId('form-title').fill(title)
    await sp.getByTestId('form-description').fill('在童伴之家陪孩子做手工、读绘本，结束后一起整理活动室。')
    await sp.getByTestId('form-require-verified').uncheck()
    await sp.getByTestId('form-start').fill(shanghaiLocal(start))
    await sp.getByTestId('form-end').fill(shanghaiLocal(start + 120 * 60_000))
    await sp.getByTestId('form-venue').fill('石门镇童伴之家')
    await sp.getByTestId('form-county').selectOption(COUNTY)
    await sp.getByTestId('form-places-companion').fill('2')
    await expectAccessible(sp, 'the activity form')
    await snap(sp, 'staff-form')
    let res = await clickAndWait(sp, sp.getByTestId('form-submit'), 'POST', '/activities')
    const created = res
    assert.equal(created.status(), 201, await created.text())
    const body = await created.json()
    activityId = body.id
    sessionId = body.sessions[0].id
    const item = sp.locator(`[data-testid="staff-activity"][data-activity="${activityId}"]`)
    await item.waitFor()
    // A second session, tomorrow morning at the same venue.
    await item.getByTestId('add-session').click()
    res = await clickAndWait(sp, item.getByTestId('add-session-submit'), 'POST', '/sessions')
    assert.equal(res.status(), 201, await res.text())
    await item.getByTestId('staff-session').nth(1).waitFor()
    await expectAccessible(sp, 'the staff activity list')

    // Volunteer A finds it by county and role and signs up.
    const a = await browser(desktop)
    await loginAs(a.page, 'volunteer@tongban.example')
    await navTo(a.page, desktop, 'nav-activities')
    await a.page.waitForURL((u) => u.pathname === '/activities')
    await a.page.getByTestId('filter-county').selectOption(COUNTY)
    await a.page.getByTestId('filter-role').selectOption('companion')
    await a.page.getByTestId('filter-submit').click()
    await a.page.waitForURL((u) => u.searchParams.get('county') === COUNTY && u.searchParams.get('role') === 'companion')
    const card = a.page.locator(`[data-testid="session-card"][data-session="${sessionId}"]`)
    await card.waitFor()
    await expectAccessible(a.page, 'the activity list')
    await snap(a.page, 'list')
    await a.page.getByTestId('view-calendar').click()
    await a.page.getByTestId('activity-calendar').waitFor()
    if (shanghaiLocal(start).slice(0, 7) !== shanghaiLocal(Date.now()).slice(0, 7)) await a.page.getByTestId('cal-next').click()
    await a.page.getByTestId('cal-session').filter({ hasText: title }).first().waitFor()
    await expectAccessible(a.page, 'the activity calendar')
    await snap(a.page, 'calendar')
    await a.page.getByTestId('cal-session').filter({ hasText: title }).first().click()
    await a.page.waitForURL((u) => u.pathname === `/activities/${activityId}`)
    const aSession = a.page.locator(`[data-testid="activity-session"][data-session="${sessionId}"]`)
    await aSession.getByTestId('signup-companion').waitFor()
    await expectAccessible(a.page, 'the activity page')
    res = await clickAndWait(a.page, aSession.getByTestId('signup-companion'), 'POST', '/signups')
    assert.equal(res.status(), 201, await res.text())
    await aSession.locator('[data-testid="my-signup"][data-status="confirmed"]').waitFor()
    await done(a)

    // Volunteer B takes the second place.
    const b = await browser(desktop)
    await loginAs(b.page, 'both@tongban.example')
    await b.page.goto(`/activities/${activityId}`)
    const bSession = b.page.locator(`[data-testid="activity-session"][data-session="${sessionId}"]`)
    res = await clickAndWait(b.page, bSession.getByTestId('signup-companion'), 'POST', '/signups')
    assert.equal(res.status(), 201, await res.text())
    await bSession.locator('[data-testid="my-signup"][data-status="confirmed"]').waitFor()

    // Volunteer C (a new account) finds the role full and joins the waitlist.
    const c = await browser(desktop)
    await c.page.goto('/')
    const signup = await c.page.evaluate(async (login) => {
      await fetch('/api/v1/auth/me')
      const csrf = document.cookie.split('; ').find((x) => x.startsWith('tongban_csrf='))?.slice(13) ?? ''
      const r = await fetch('/api/v1/auth/signup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ login, password: 'Tongban-Test-2026', display_name: '李晓岚', roles: ['volunteer'] }),
      })
      return { status: r.status, body: await r.text() }
    }, `${unique('act')}@example.com`)
    assert.equal(signup.status, 201, signup.body)
    await c.page.goto(`/activities/${activityId}`)
    const cSession = c.page.locator(`[data-testid="activity-session"][data-session="${sessionId}"]`)
    await cSession.locator('tr[data-role="companion"] [data-testid="role-left"]').filter({ hasText: '0' }).waitFor()
    res = await clickAndWait(c.page, cSession.getByTestId('signup-companion'), 'POST', '/signups')
    assert.equal(res.status(), 201, await res.text())
    await cSession.locator('[data-testid="my-signup"][data-status="waitlisted"]').waitFor()
    assert.match(await cSession.getByTestId('signup-status').innerText(), /1/)
    await snap(c.page, 'waitlisted')

    // B cancels; C is offered the place and accepts it before the window closes.
    await bSession.getByTestId('signup-cancel').click()
    res = await clickAndWait(b.page, bSession.getByTestId('signup-cancel-confirm'), 'POST', '/actions')
    assert.equal(res.status(), 200, await res.text())
    await bSession.locator('[data-testid="my-signup"][data-status="cancelled"]').waitFor()
    await done(b)
    await c.page.goto('/volunteer/activities')
    const cRow = c.page.locator('[data-testid="my-signup-row"][data-status="offered"]').filter({ hasText: title })
    await cRow.waitFor()
    await expectAccessible(c.page, 'my sign-ups with an offer')
    await snap(c.page, 'offered')
    await c.page.goto(`/activities/${activityId}`)
    await cSession.getByTestId('offer-note').waitFor()
    res = await clickAndWait(c.page, cSession.getByTestId('offer-accept'), 'POST', '/actions')
    assert.equal(res.status(), 200, await res.text())
    await cSession.locator('[data-testid="my-signup"][data-status="confirmed"]').waitFor()

    // C's private calendar feed: made, fetched, stopped.
    await c.page.goto('/volunteer/activities')
    await c.page.getByTestId('calendar-create').click()
    const feedURL = await c.page.getByTestId('calendar-url').inputValue()
    assert.match(feedURL, /\/api\/v1\/calendar\/.+\.ics$/)
    const feed = await c.page.request.get(feedURL)
    assert.equal(feed.status(), 200)
    assert.ok((await feed.text()).includes('BEGIN:VCALENDAR'))
    await c.page.getByTestId('calendar-revoke').click()
    await c.page.getByTestId('status-note').waitFor()
    assert.equal((await c.page.request.get(feedURL)).status(), 404)

    // Staff open the session console: the QR code and its link.
    await item.getByTestId('open-console').first().click()
    await sp.waitForURL((u) => u.pathname === `/staff/activity-sessions/${sessionId}`)
    await sp.getByTestId('qr-image').waitFor()
    let url = await currentCheckinURL(sp)
    assert.ok(url.startsWith(`${server.baseURL}/checkin/${sessionId}?code=`), url)
    await expectAccessible(sp, 'the session console')
    await snap(sp, 'console')

    // A scans the QR code with a phone that is not logged in: log in, come back, check in.
    const ap = await browser(phone)
    await ap.page.goto(url)
    await ap.page.waitForURL((u) => u.pathname === '/login')
    assert.equal(await submitLogin(ap.page, 'volunteer@tongban.example', DEMO_PASSWORD), 200)
    await ap.page.waitForURL((u) => u.pathname === `/checkin/${sessionId}`)
    assert.equal(await ap.page.getByTestId('checkin-code').inputValue(), new URL(url).searchParams.get('code'))
    await expectAccessible(ap.page, 'the check-in page')
    await noSidewaysScroll(ap.page, 'the check-in page')
    res = await clickAndWait(ap.page, ap.page.getByTestId('checkin-submit'), 'POST', '/checkin')
    assert.equal(res.status(), 200, await res.text())
    await ap.page.getByTestId('checkin-in').waitFor()
    await snap(ap.page, 'phone-checkin')
    // …and checks out with the code shown now.
    url = await currentCheckinURL(sp)
    await ap.page.goto(url)
    res = await clickAndWait(ap.page, ap.page.getByTestId('checkin-submit'), 'POST', '/checkout')
    assert.equal(res.status(), 200, await res.text())
    await ap.page.getByTestId('checkin-done').waitFor()

    // C checks in too but leaves without checking out; staff record it by hand.
    await c.page.goto(await currentCheckinURL(sp))
    res = await clickAndWait(c.page, c.page.getByTestId('checkin-submit'), 'POST', '/checkin')
    assert.equal(res.status(), 200, await res.text())
    await done(c)
    await sp.getByTestId('attendance-refresh').click()
    await sp.locator('[data-testid="attendance-row"][data-name="张雨桐"][data-attendance="attended"]').waitFor()
    const cStaffRow = sp.locator('[data-testid="attendance-row"][data-name="李晓岚"]')
    await cStaffRow.getByTestId('mark-attended').click()
    await sp.getByTestId('manual-out').fill(shanghaiLocal(start + 90 * 60_000))
    res = await clickAndWait(sp, sp.getByTestId('manual-save'), 'PUT', '/attendance')
    assert.equal(res.status(), 200, await res.text())
    await sp.locator('[data-testid="attendance-row"][data-name="李晓岚"][data-attendance="attended"]').waitFor()
    await sp.locator('[data-testid="attendance-row"][data-name="王思远"][data-status="cancelled"]').waitFor()

    // The hours of a session that has not ended cannot be confirmed yet.
    await sp.getByTestId('hours-not-ended').waitFor()
    assert.equal(await sp.getByTestId('confirm-hours').isDisabled(), true)
    await snap(sp, 'console-attendance')

    // Staff confirm the hours of last week's session (the demo data), recording the children served.
    await sp.goto('/staff/activities')
    const past = sp.locator('[data-testid="staff-activity"]').filter({ hasText: '童伴之家开放日' })
    await past.getByTestId('open-console').first().click()
    await sp.waitForURL((u) => u.pathname.startsWith('/staff/activity-sessions/'))
    await sp.getByTestId('attendance-row').first().waitFor()
    await sp.getByTestId('children-served').fill('18')
    res = await clickAndWait(sp, sp.getByTestId('confirm-hours'), 'POST', '/hours')
    assert.equal(res.status(), 200, await res.text())
    await sp.getByTestId('console-hours').getByTestId('status-note').waitFor()
    await sp.getByTestId('hours-confirmed-at').waitFor()
    await done(staff)

    // A sees the confirmed hours, issues a certificate, downloads it and verifies it.
    await ap.page.goto('/volunteer/hours')
    await ap.page.getByTestId('hours-table').waitFor()
    assert.notEqual((await ap.page.getByTestId('hours-total').innerText()).trim(), '0 小时')
    res = await clickAndWait(ap.page, ap.page.getByTestId('cert-issue'), 'POST', '/volunteer/certificates')
    assert.equal(res.status(), 201, await res.text())
    const cert = await res.json()
    assert.equal(cert.content.verify_url, `${server.baseURL}/certificates/${cert.serial}`)
    const row = ap.page.locator(`[data-testid="cert-row"][data-serial="${cert.serial}"]`)
    await row.waitFor()
    await expectAccessible(ap.page, 'the hours page')
    await snap(ap.page, 'phone-hours')
    const [download] = await Promise.all([ap.page.waitForEvent('download'), row.getByTestId('cert-download').click()])
    assert.equal(download.suggestedFilename(), `certificate-${cert.serial}.pdf`)
    const pdf = await ap.page.request.get(`/api/v1/certificates/${cert.serial}/pdf`)
    assert.equal(pdf.headers()['content-type'], 'application/pdf')
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-')

    // The list, calendar and activity page at phone size.
    await ap.page.goto(`/activities?view=calendar&county=${COUNTY}&month=${shanghaiLocal(start).slice(0, 7)}`)
    await ap.page.getByTestId('cal-session').first().waitFor()
    await noSidewaysScroll(ap.page, 'the calendar')
    await expectAccessible(ap.page, 'the calendar at phone size')
    await snap(ap.page, 'phone-calendar')
    await ap.page.goto(`/activities/${activityId}`)
    await ap.page.locator('[data-testid="my-signup"][data-status="confirmed"]').waitFor()
    await noSidewaysScroll(ap.page, 'the activity page')
    await expectAccessible(ap.page, 'the activity page at phone size')
    await snap(ap.page, 'phone-activity')
    await done(ap)

    // Anyone opening the certificate's QR link sees it is valid, with the name masked.
    const anon = await browser(desktop)
    await anon.page.goto(cert.content.verify_url)
    await anon.page.locator('[data-testid="verify-verdict"][data-valid="true"]').waitFor()
    assert.equal(await anon.page.getByTestId('verify-serial').innerText(), cert.serial)
    assert.equal(await anon.page.getByTestId('verify-name').innerText(), '张**')
    await expectAccessible(anon.page, 'the certificate verification page')
    await snap(anon.page, 'verify')
    await anon.page.goto('/certificates/TB-2026-0000000000')
    await anon.page.getByTestId('verify-not-found').waitFor()
    await done(anon)
  })
})
