// End-to-end tests of the web app against the real Tongban binary
// (`tongban serve --demo`), in headless Chromium at desktop and phone sizes.
//
//   npm run build && go build -o ../bin/tongban ../cmd/tongban && npm run test:e2e
//
// TONGBAN_BIN overrides the binary (default ../bin/tongban).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS, shot } from './browser.mjs'
import {
  DEMO_PASSWORD,
  TIMEOUT,
  expectAccessible,
  headerLinks,
  loginAs,
  navTo,
  submitLogin,
  unique,
  withBrowser as withBrowserAt,
} from './helpers.mjs'

let server

before(async () => {
  server = await startServer()
})

after(async () => {
  await server?.stop()
})

/** withBrowser runs fn with a fresh browser profile and checks it logged no errors. */
function withBrowser(vp, fn) {
  return withBrowserAt(server.baseURL, vp, fn)
}

async function signUp(page, vp, { name, login, password, roles }) {
  await page.goto('/')
  await navTo(page, vp, 'nav-signup')
  await page.waitForURL('**/signup')
  await page.getByTestId('signup-display-name').fill(name)
  await page.getByTestId('signup-login').fill(login)
  await page.getByTestId('signup-password').fill(password)
  for (const r of roles) await page.getByTestId(`signup-role-${r}`).click()
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup')),
    page.getByTestId('signup-submit').click(),
  ])
  assert.equal(res.status(), 201, `sign-up answered ${res.status()}: ${await res.text()}`)
}

for (const vp of VIEWPORTS) {
  describe(`at ${vp.name} size (${vp.width}×${vp.height})`, () => {
    test('home page shows the public figures from /api/v1/stats', TIMEOUT, async () => {
      const stats = await (await fetch(`${server.baseURL}/api/v1/stats`)).json()
      await withBrowser(vp, async (page) => {
        await page.goto('/')
        await page.getByTestId('stats').waitFor()
        assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
        assert.equal(await page.locator('h1').innerText(), '让每一份陪伴和善款都看得见')
        for (const key of ['organisations', 'counties', 'volunteers', 'donors']) {
          const text = await page.getByTestId(`stat-${key}`).locator('dd').innerText()
          assert.equal(text.replace(/,/g, ''), String(stats[key]), `${key} count`)
        }
        if (stats.campaigns.length === 0) await page.getByTestId('campaigns-empty').waitFor()
        else assert.equal(await page.getByTestId('campaigns-table').locator('tbody tr').count(), stats.campaigns.length)
        await page.getByTestId('stats-chart').locator('svg').waitFor()
        // The page must not scroll sideways on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`)
        await expectAccessible(page, 'the home page')
        await shot(page, vp, 'home')
        if (vp.phone) {
          await page.getByTestId('menu-toggle').click()
          assert.equal(await page.getByTestId('menu-toggle').getAttribute('aria-expanded'), 'true')
          await page.getByTestId('nav-login').waitFor({ state: 'visible' })
          await expectAccessible(page, 'the open phone menu')
          await shot(page, vp, 'menu-open', { fullPage: false })
        }
      })
    })

    test('sign-up of a new volunteer, then logout', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await page.goto('/signup')
        await page.getByTestId('signup-form').waitFor()
        await expectAccessible(page, 'the sign-up page')
        // Client-side checks first: nothing filled in.
        await page.getByTestId('signup-submit').click()
        await page.locator('.el-form-item__error').first().waitFor()
        assert.equal(await page.locator('.el-form-item__error').count(), 4)
        await expectAccessible(page, 'the sign-up page showing field errors')
        await shot(page, vp, 'signup-errors')

        const login = `${unique('vol')}@example.org`
        await signUp(page, vp, { name: '新志愿者', login, password: 'correct-horse-battery', roles: ['volunteer'] })
        await page.waitForURL('**/volunteer')
        await page.getByTestId('volunteer-area').waitFor()
        assert.equal(await page.locator('h1').innerText(), '志愿者工作台')
        assert.deepEqual(await page.getByTestId('role-tags').locator('li').allInnerTexts(), ['志愿者'])
        assert.deepEqual(await headerLinks(page), ['nav-home', 'nav-needs', 'nav-campaigns', 'nav-activities', 'nav-volunteer', 'nav-profile', 'nav-logout'])
        await expectAccessible(page, 'the volunteer area')
        await shot(page, vp, 'volunteer-area')

        await navTo(page, vp, 'nav-logout')
        await page.waitForURL((u) => u.pathname === '/')
        if (vp.phone) await page.getByTestId('menu-toggle').click()
        await page.getByTestId('nav-login').waitFor({ state: 'visible' })
        const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)
        assert.equal(me, 401, 'the session is gone after logout')
        await page.goto('/volunteer')
        await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/volunteer')
      })
    })

    test('wrong password shows the error; a demo account then logs in and returns to the page it asked for', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await page.goto('/profile')
        await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/profile')
        await expectAccessible(page, 'the login page')
        const status = await submitLogin(page, 'donor@tongban.example', 'not-the-password')
        assert.equal(status, 401)
        const alert = page.getByTestId('error-alert')
        await alert.waitFor()
        assert.match(await alert.innerText(), /账号或密码错误。/) // the zh interface gets the server's Chinese message
        assert.equal(new URL(page.url()).pathname, '/login')
        await expectAccessible(page, 'the login page showing an error')
        await shot(page, vp, 'login-error')

        assert.equal(await submitLogin(page, 'donor@tongban.example', DEMO_PASSWORD), 200)
        await page.waitForURL('**/profile')
        await page.getByTestId('profile').waitFor()
        assert.equal(await page.getByTestId('profile-email').innerText(), 'donor@tongban.example')
        assert.deepEqual(await headerLinks(page), ['nav-home', 'nav-needs', 'nav-campaigns', 'nav-activities', 'nav-donor', 'nav-profile', 'nav-logout'])

        await navTo(page, vp, 'nav-donor')
        await page.getByTestId('donor-area').waitFor()
        assert.equal(await page.locator('h1').innerText(), '捐赠人中心')
        await page.locator('[data-testid="campaigns-empty"], [data-testid="campaigns-table"]').first().waitFor()
        await expectAccessible(page, 'the donor area')
        await shot(page, vp, 'donor-area')
      })
    })

    test('language switch zh → en persists after a reload', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await page.goto('/login')
        assert.equal(await page.locator('h1').innerText(), '登录')
        await page.getByTestId('lang-switch').click()
        assert.equal(await page.locator('h1').innerText(), 'Log in')
        assert.equal(await page.locator('html').getAttribute('lang'), 'en')
        await page.reload()
        await page.getByTestId('login-form').waitFor()
        assert.equal(await page.locator('h1').innerText(), 'Log in')
        assert.equal(await page.locator('html').getAttribute('lang'), 'en')
        assert.equal(await page.getByTestId('lang-switch').innerText(), '中文')
        assert.match(await page.title(), /^Log in · Tongban$/)
        await expectAccessible(page, 'the login page in English')
        await page.goto('/')
        await page.getByTestId('stats').waitFor()
        assert.equal(await page.locator('h1').innerText(), 'Every hour of care and every yuan, visible')
        await expectAccessible(page, 'the home page in English')
        await shot(page, vp, 'home-en')
        await page.getByTestId('lang-switch').click()
        assert.equal(await page.locator('h1').innerText(), '让每一份陪伴和善款都看得见')
        await page.reload()
        assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
      })
    })

    test('admin sees the admin area: users (masked), organisations, audit log, and creates an organisation', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await loginAs(page, 'admin@tongban.example')
        assert.equal(new URL(page.url()).pathname, '/admin')
        assert.deepEqual(await headerLinks(page), ['nav-home', 'nav-needs', 'nav-campaigns', 'nav-activities', 'nav-admin', 'nav-profile', 'nav-logout'])
        const users = page.getByTestId('users-table')
        await users.waitFor()
        const usersText = await users.innerText()
        assert.match(usersText, /v\*\*\*@tongban\.example/, 'masked e-mail of the demo volunteer')
        assert.doesNotMatch(usersText, /volunteer@tongban\.example/, 'no full e-mail in the list')
        await page.getByTestId('orgs-table').getByText('共青团隆安县委员会').waitFor()
        // Every account of the API's first page is listed.
        const apiUsers = await page.evaluate(async () => (await (await fetch('/api/v1/admin/users?limit=50')).json()).items.length)
        assert.equal(await users.locator('tbody tr').count(), apiUsers)
        await page.getByTestId('audit-table').locator('tbody tr').first().waitFor()
        await expectAccessible(page, 'the admin area')
        await shot(page, vp, 'admin-area')

        const name = `${unique('测试社工站')}`
        await page.getByTestId('org-name').fill(name)
        await page.getByTestId('org-type').selectOption('ngo')
        await page.getByTestId('org-county').selectOption('439921')
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/orgs') && r.request().method() === 'POST'),
          page.getByTestId('org-submit').click(),
        ])
        assert.equal(res.status(), 201, await res.text())
        await page.getByTestId('status-note').waitFor()
        await page.getByTestId('orgs-table').getByText(name).waitFor()
        await page.getByTestId('audit-table').getByText('org.created').first().waitFor()
        await expectAccessible(page, 'the admin area after creating an organisation')
      })
    })

    test('a volunteer gets the 403 page on /admin', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await loginAs(page, 'volunteer@tongban.example')
        assert.equal(new URL(page.url()).pathname, '/volunteer')
        assert.deepEqual(await headerLinks(page), ['nav-home', 'nav-needs', 'nav-campaigns', 'nav-activities', 'nav-volunteer', 'nav-profile', 'nav-logout'])
        await page.goto('/admin')
        await page.getByTestId('forbidden').waitFor()
        assert.equal(new URL(page.url()).pathname, '/403')
        assert.equal(await page.locator('h1').innerText(), '无权访问（403）')
        await expectAccessible(page, 'the 403 page')
        await shot(page, vp, 'forbidden')
        // The API agrees.
        const status = await page.evaluate(async () => (await fetch('/api/v1/admin/users')).status)
        assert.equal(status, 403)
      })
    })

    test('staff see their organisation and role', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await loginAs(page, 'coordinator@tongban.example')
        assert.equal(new URL(page.url()).pathname, '/staff')
        assert.deepEqual(await headerLinks(page), ['nav-home', 'nav-needs', 'nav-campaigns', 'nav-activities', 'nav-staff', 'nav-profile', 'nav-logout'])
        const table = page.getByTestId('memberships-table')
        await table.waitFor()
        const row = await table.locator('tbody tr').first().locator('td').allInnerTexts()
        assert.deepEqual(row, ['共青团隆安县委员会', '共青团', '439921', '协调员'])
        await expectAccessible(page, 'the staff area')
        await shot(page, vp, 'staff-area')
        await page.goto('/donor')
        await page.getByTestId('forbidden').waitFor()
      })
    })

    test('profile: edit the display name, create and revoke an API token', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        const login = `${unique('both')}@example.org`
        await signUp(page, vp, { name: '旧名字', login, password: 'correct-horse-battery', roles: ['volunteer', 'donor'] })
        await page.waitForURL('**/volunteer')
        await navTo(page, vp, 'nav-profile')
        await page.getByTestId('profile').waitFor()
        assert.equal(await page.getByTestId('profile-email').innerText(), login)
        assert.equal(await page.getByTestId('profile-display-name').innerText(), '旧名字')
        await expectAccessible(page, 'the profile page')

        await page.getByTestId('name-input').fill('新名字')
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH'),
          page.getByTestId('name-submit').click(),
        ])
        assert.equal(res.status(), 200)
        assert.equal(res.request().headers()['if-match'], '"1"')
        await page.getByTestId('status-note').waitFor()
        assert.equal(await page.getByTestId('profile-display-name').innerText(), '新名字')
        await page.reload()
        await page.getByTestId('profile').waitFor()
        assert.equal(await page.getByTestId('profile-display-name').innerText(), '新名字')
        assert.equal(await page.getByTestId('name-input').inputValue(), '新名字')

        // A second edit uses the new version.
        await page.getByTestId('name-input').fill('第三个名字')
        const [res2] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH'),
          page.getByTestId('name-submit').click(),
        ])
        assert.equal(res2.status(), 200)
        assert.equal(res2.request().headers()['if-match'], '"2"')
        await page.getByTestId('profile-display-name').getByText('第三个名字').waitFor()

        // Someone else (another tab) renames the account meanwhile: the next
        // edit from this page is stale (412) and the page reloads the account.
        const other = await page.evaluate(async () => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('tongban_csrf='))?.slice(13) ?? ''
          const r = await fetch('/api/v1/me', {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/json', 'If-Match': '"3"', 'X-CSRF-Token': csrf },
            body: JSON.stringify({ display_name: '别处改的名字' }),
          })
          return r.status
        })
        assert.equal(other, 200)
        await page.getByTestId('name-input').fill('过期的修改')
        const [stale] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH'),
          page.getByTestId('name-submit').click(),
        ])
        assert.equal(stale.status(), 412)
        await page.locator('section[aria-labelledby="profile-name"]').getByTestId('error-alert').getByText('资料已在其他地方被修改').waitFor()
        await page.getByTestId('profile-display-name').getByText('别处改的名字').waitFor()
        assert.equal(await page.getByTestId('name-input').inputValue(), '别处改的名字')

        // Password change: the server's per-field reason shows next to the field.
        await page.getByTestId('pw-current').fill('not-my-password')
        await page.getByTestId('pw-new').fill('another-long-password')
        await page.getByTestId('pw-confirm').fill('another-long-password')
        await page.getByTestId('pw-submit').click()
        await page.getByTestId('password-form').locator('.el-form-item__error').getByText('is wrong').waitFor()
        await page.getByTestId('pw-current').fill('correct-horse-battery')
        const [pw] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password')),
          page.getByTestId('pw-submit').click(),
        ])
        assert.equal(pw.status(), 204)
        await page.getByTestId('password-form').getByText('密码已修改。').waitFor()

        await page.getByTestId('token-name').fill('脚本')
        await page.getByTestId('token-submit').click()
        const secret = await page.getByTestId('token-secret').innerText()
        assert.match(secret, /^tb_/)
        const tokens = page.getByTestId('tokens-table')
        await tokens.getByText('脚本').waitFor()
        assert.equal(await tokens.locator('tbody tr').count(), 1)
        await expectAccessible(page, 'the profile page with a new token')
        await shot(page, vp, 'profile')
        // The token works against the API.
        const viaToken = await fetch(`${server.baseURL}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${secret}` } })
        assert.equal(viaToken.status, 200)
        assert.equal((await viaToken.json()).user.display_name, '别处改的名字')

        await tokens.getByRole('button').click()
        await page.locator('.el-message-box').waitFor()
        await expectAccessible(page, 'the revoke confirmation')
        await page.locator('.el-message-box__btns .el-button--primary').click()
        await page.getByText('你还没有创建令牌。').waitFor()
        const revoked = await fetch(`${server.baseURL}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${secret}` } })
        assert.equal(revoked.status, 401)

        const exportLink = page.getByTestId('export-link')
        assert.equal(await exportLink.getAttribute('href'), '/api/v1/me/export')
        const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()])
        const data = JSON.parse(await readStream(await download.createReadStream()))
        assert.equal(JSON.stringify(data).includes(login), true, 'the export holds the account')
      })
    })

    test('unknown paths show the 404 page', TIMEOUT, async () => {
      await withBrowser(vp, async (page) => {
        await page.goto('/no/such/page')
        await page.getByTestId('not-found').waitFor()
        await expectAccessible(page, 'the 404 page')
      })
    })
  })
}

async function readStream(stream) {
  const chunks = []
  for await (const c of stream) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}
