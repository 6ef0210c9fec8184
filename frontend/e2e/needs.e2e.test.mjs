// End-to-end tests of the needs pages against the real Tongban binary:
// the editor with its PII screen, review by a second person, public search
// and need pages, withdrawal. See app.e2e.test.mjs for how to run.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer } from './server.mjs'
import { VIEWPORTS, shot } from './browser.mjs'
import { TIMEOUT, expectAccessible, loginAs, unique, withBrowser as withBrowserAt } from './helpers.mjs'

const desktop = VIEWPORTS.find((v) => !v.phone)
const phone = VIEWPORTS.find((v) => v.phone)
const ID_NUMBER = '11010519491231002X'

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

/** noSidewaysScroll checks the page is not wider than the viewport. */
async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the viewport`)
}

/** searchNeeds runs a search from the public list and waits for its answer. */
async function searchNeeds(page, q) {
  await page.getByTestId('needs-search').fill(q)
  const [res] = await Promise.all([
    page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/needs' && u.searchParams.get('q') === q && u.searchParams.get('limit') !== '1'
    }),
    page.getByTestId('needs-search-submit').click(),
  ])
  assert.equal(res.status(), 200)
  await page.getByTestId('needs-total').filter({ hasNotText: '正在加载' }).waitFor()
}

/** cardTitles lists the titles of the result cards shown. */
async function cardTitles(page) {
  return page.getByTestId('need-card-link').allInnerTexts()
}

/** clickAndWait clicks and returns the response of the first API call matching method and path. */
async function clickAndWait(page, locator, method, pathPart) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.includes(pathPart)),
    locator.click(),
  ])
  return res
}

describe(`needs at ${desktop.name} size (${desktop.width}×${desktop.height})`, () => {
  test('a draft with an ID number is blocked and highlighted, fixed, reviewed by another user, published, found by a Chinese search, withdrawn and gone', TIMEOUT, async () => {
    const tag = unique('T')
    const title = `周末天文观星兴趣陪伴 ${tag}`
    const caseRef = `LA-${tag}`
    const internal = `内部备注 ${tag}：家访记录见台账`
    let needId = ''
    let orgId = ''

    await withBrowser(desktop, async (author) => {
      // The coordinator drafts a need from the staff area.
      await loginAs(author, 'coordinator@tongban.example')
      await author.getByTestId('staff-needs-links').waitFor()
      await expectAccessible(author, 'the staff area with need links')
      await author.locator('[data-testid^="org-new-need-"]').first().click()
      await author.waitForURL((u) => u.pathname === '/staff/needs/new' && u.searchParams.has('org'))
      orgId = new URL(author.url()).searchParams.get('org')
      await author.getByTestId('need-form').waitFor()
      await author.locator('#need-county option[value="439921"]').waitFor({ state: 'attached' })
      await expectAccessible(author, 'the empty need editor')
      await shot(author, desktop, 'need-editor-new')

      await author.getByTestId('need-category').selectOption('tutoring')
      await author.getByTestId('need-title-input').fill(title)
      const narrative = `孩子喜欢天文，身份证号${ID_NUMBER}，希望有志愿者每周陪伴观星并辅导科学。`
      await author.getByTestId('need-narrative-input').fill(narrative)
      await author.getByTestId('need-age-min').selectOption('9')
      await author.getByTestId('need-age-max').selectOption('11')
      await author.getByTestId('need-grade-min').selectOption('3')
      await author.getByTestId('need-grade-max').selectOption('5')
      await author.getByTestId('need-children').fill('2')
      await author.getByTestId('need-subject-science').check()
      await author.getByTestId('need-add-slot').click()
      await author.getByTestId('need-mode-online').check()
      await author.getByTestId('need-lang-zh').check()
      await author.getByTestId('need-female-volunteer').check()
      await author.getByTestId('need-urgency').selectOption('4')
      await author.getByTestId('need-case-ref').fill(caseRef)
      await author.getByTestId('need-notes').fill(internal)

      // The live screen marks the ID number while typing.
      const mark = author.getByTestId('pii-narrative-mirror').locator('mark')
      await mark.waitFor()
      assert.equal(await mark.innerText(), ID_NUMBER)
      assert.match(await author.getByTestId('pii-narrative-list').innerText(), /疑似身份证号码/)
      // The preview shows what the public will see, never the internal fields.
      const preview = author.getByTestId('need-preview')
      await preview.getByText(title).waitFor()
      assert.match(await preview.innerText(), /周六 09:00–11:00/)
      assert.doesNotMatch(await preview.innerText(), new RegExp(caseRef))
      assert.ok(!(await preview.innerText()).includes(internal), 'no internal notes in the preview')
      await shot(author, desktop, 'need-editor-pii-live')

      // Saving anyway: the server refuses (422) and the editor highlights it and focuses the field.
      const refused = await clickAndWait(author, author.getByTestId('need-save'), 'POST', '/needs')
      assert.equal(refused.status(), 422)
      const problem = await refused.json()
      assert.equal(problem.details[0].field, 'narrative')
      assert.equal(problem.details[0].kind, 'id_number')
      await author.getByTestId('pii-blocked').waitFor()
      assert.match(await author.getByTestId('pii-blocked').innerText(), /1 处疑似个人信息/)
      assert.equal(await mark.innerText(), ID_NUMBER)
      const focus = await author.evaluate(() => {
        const el = document.activeElement
        return el instanceof HTMLTextAreaElement ? { id: el.id, selected: el.value.slice(el.selectionStart, el.selectionEnd) } : null
      })
      assert.deepEqual(focus, { id: 'need-narrative', selected: ID_NUMBER })
      assert.equal(new URL(author.url()).pathname, '/staff/needs/new', 'nothing was stored')
      await expectAccessible(author, 'the need editor with a blocked draft')
      await shot(author, desktop, 'need-editor-blocked')

      // The author removes the ID number: the marks go away, and the draft saves.
      await author.getByTestId('need-narrative-input').fill('孩子喜欢天文，希望有志愿者每周陪伴观星并辅导科学，线上进行。')
      await author.getByTestId('pii-narrative-clean').waitFor()
      assert.equal(await author.getByTestId('pii-blocked').count(), 0)
      const created = await clickAndWait(author, author.getByTestId('need-save'), 'POST', '/needs')
      assert.equal(created.status(), 201, await created.text())
      const draft = await created.json()
      needId = draft.id
      assert.equal(draft.status, 'draft')
      assert.equal(draft.case_ref, caseRef)
      assert.deepEqual(draft.schedule, [{ day: 6, start: '09:00', end: '11:00' }])
      await author.waitForURL((u) => u.pathname === `/staff/needs/${needId}/edit`)
      await author.getByTestId('status-note').filter({ hasText: '草稿已创建。' }).waitFor()

      // Submit for review.
      const submitted = await clickAndWait(author, author.getByTestId('need-submit'), 'POST', '/transitions')
      assert.equal(submitted.status(), 200, await submitted.text())
      assert.equal(submitted.request().headers()['if-match'], '"1"')
      await author.getByTestId('need-state').filter({ hasText: '审核中' }).waitFor()
      assert.equal(await author.getByTestId('need-form').count(), 0, 'a need in review is no longer edited')
      assert.match(await author.getByTestId('need-internal').innerText(), new RegExp(caseRef))
      assert.equal(await author.getByTestId('need-history').locator('tbody tr').count(), 2)
      // The author, a coordinator, may withdraw but not approve.
      assert.equal(await author.getByTestId('need-action-approve').count(), 0)
      await author.getByTestId('need-action-withdraw').waitFor()
      await expectAccessible(author, 'a need in review, seen by its author')
      await shot(author, desktop, 'need-submitted')

      // Not public yet.
      const before = await fetch(`${server.baseURL}/api/v1/needs/${needId}`)
      assert.equal(before.status, 404)
    })

    await withBrowser(desktop, async (reviewer) => {
      await loginAs(reviewer, 'reviewer@tongban.example')
      await reviewer.getByTestId('staff-review-link').click()
      await reviewer.waitForURL('**/staff/review')
      const item = reviewer.getByTestId('queue-item').filter({ hasText: title })
      await item.waitFor()
      await expectAccessible(reviewer, 'the review queue')
      await shot(reviewer, desktop, 'review-queue')
      await item.getByTestId('queue-open').click()
      await reviewer.waitForURL((u) => u.pathname === `/staff/needs/${needId}/edit`)
      await reviewer.getByTestId('need-action-approve').waitFor()
      // Sending back needs a reason.
      await reviewer.getByTestId('need-action-reject').click()
      await reviewer.getByText('请说明退回的原因').waitFor()
      await expectAccessible(reviewer, 'a need in review, seen by a reviewer')
      await shot(reviewer, desktop, 'need-review')
      await reviewer.getByTestId('need-action-note').fill('内容属实，无个人信息。')
      const approved = await clickAndWait(reviewer, reviewer.getByTestId('need-action-approve'), 'POST', '/transitions')
      assert.equal(approved.status(), 200, await approved.text())
      assert.deepEqual(JSON.parse(approved.request().postData()), { action: 'approve', note: '内容属实，无个人信息。' })
      await reviewer.getByTestId('need-state').filter({ hasText: '已发布' }).waitFor()
      await reviewer.getByTestId('need-history').getByText('内容属实，无个人信息。').waitFor()
      await reviewer.getByTestId('need-public-link').waitFor()
    })

    await withBrowser(desktop, async (pub) => {
      // The outbox indexes the published need within a few seconds: search again until it shows.
      await pub.goto('/needs')
      await pub.getByTestId('needs-total').filter({ hasText: '条需求' }).waitFor()
      let found = false
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        await searchNeeds(pub, '天文观星')
        if ((await cardTitles(pub)).includes(title)) {
          found = true
          break
        }
        await pub.waitForTimeout(500)
      }
      assert.ok(found, `a search for 天文观星 found ${JSON.stringify(await cardTitles(pub))}, not ${title}`)
      assert.equal(new URL(pub.url()).searchParams.get('q'), '天文观星')
      await expectAccessible(pub, 'the needs list with a search')
      await shot(pub, desktop, 'needs-search')

      await pub.getByTestId('need-card-link').filter({ hasText: title }).click()
      await pub.waitForURL((u) => u.pathname === `/needs/${needId}`)
      await pub.getByTestId('need-title').filter({ hasText: title }).waitFor()
      const page = await pub.getByTestId('need-page').innerText()
      for (const want of ['9–11 岁', '3–5 年级', '周六 09:00–11:00', '科学', '隆安县', '共青团隆安县委员会', '希望由女性志愿者陪伴', '已结对 0 名志愿者，共需要 1 名']) {
        assert.ok(page.includes(want), `the need page shows ${want}`)
      }
      assert.ok(!page.includes(caseRef) && !page.includes(internal), 'no internal field in public')
      const cta = pub.getByTestId('need-cta')
      assert.equal(await cta.innerText(), '报名结对')
      assert.match(await cta.getAttribute('href'), /^\/login\?next=/)
      assert.match(await pub.title(), new RegExp(`^${title} · 童伴$`))
      await expectAccessible(pub, 'the public need page')
      await shot(pub, desktop, 'need-page')
    })

    await withBrowser(desktop, async (author) => {
      await loginAs(author, 'coordinator@tongban.example')
      await author.goto(`/staff/needs/${needId}/edit`)
      await author.getByTestId('need-state').filter({ hasText: '已发布' }).waitFor()
      await author.getByTestId('need-action-withdraw').click()
      await author.locator('.el-message-box').waitFor()
      await expectAccessible(author, 'the withdraw confirmation')
      const withdrawn = await clickAndWait(author, author.locator('.el-message-box__btns .el-button--primary'), 'POST', '/transitions')
      assert.equal(withdrawn.status(), 200, await withdrawn.text())
      await author.getByTestId('need-state').filter({ hasText: '已撤回' }).waitFor()
      await author.getByTestId('no-actions').waitFor()
      // The organisation's list shows it under "withdrawn".
      await author.goto(`/staff/needs?org=${orgId}`)
      await author.getByTestId('tab-withdrawn').click()
      await author.getByTestId('org-needs-table').getByText(title).waitFor()
      await expectAccessible(author, "the organisation's needs, withdrawn tab")
      await shot(author, desktop, 'staff-needs')
    })

    await withBrowser(desktop, async (pub) => {
      await pub.goto('/needs?q=天文观星')
      await pub.getByTestId('needs-total').filter({ hasText: '条需求' }).waitFor()
      assert.ok(!(await cardTitles(pub)).includes(title), 'the withdrawn need is not found')
      await pub.goto(`/needs/${needId}`)
      await pub.getByTestId('need-not-found').waitFor()
      assert.equal(await pub.locator('h1').innerText(), '没有找到这条需求')
      await expectAccessible(pub, 'the need page of a withdrawn need')
      await shot(pub, desktop, 'need-not-found')
    })
  })

  test('in-kind and funding drafts: item lines with a screened note, yuan sent as integer fen', TIMEOUT, async () => {
    await withBrowser(desktop, async (page) => {
      await loginAs(page, 'coordinator@tongban.example')
      await page.locator('[data-testid^="org-new-need-"]').first().click()
      await page.getByTestId('need-form').waitFor()

      await page.getByTestId('need-kind-in_kind').check()
      await page.getByTestId('need-category').selectOption('winter_clothing')
      await page.getByTestId('need-title-input').fill('寒冬送温暖：棉衣测试')
      await page.getByTestId('need-narrative-input').fill('山区冬季气温低，孩子们缺少合身的棉衣，按尺码统计如下。')
      await page.getByTestId('need-age-min').selectOption('6')
      await page.getByTestId('need-age-max').selectOption('8')
      await page.getByTestId('need-children').fill('5')
      await page.getByTestId('need-item-0-type').selectOption('winter_coat')
      await page.getByTestId('need-item-0-size').fill('120')
      await page.getByTestId('need-item-0-count').fill('3')
      await page.getByTestId('need-item-0-note').fill('联系电话 138 0013 8000')
      await page.getByTestId('pii-item-0-note-mirror').locator('mark').filter({ hasText: '138 0013 8000' }).waitFor()
      await page.getByTestId('need-add-item').click()
      await page.getByTestId('need-item-1-type').selectOption('shoes')
      await page.getByTestId('need-item-1-size').fill('33')
      await page.getByTestId('need-item-1-count').fill('2')
      await page.getByTestId('need-item-0-note').fill('加厚款')
      await page.waitForFunction(() => !document.querySelector('[data-testid="pii-item-0-note-mirror"]'))
      const rows = page.getByTestId('need-preview').getByTestId('need-items').locator('tbody tr')
      assert.equal(await rows.count(), 2)
      assert.deepEqual(await rows.first().locator('td').allInnerTexts(), ['棉衣', '120', '3', '0', '0', '加厚款'])
      await expectAccessible(page, 'the in-kind editor')
      await shot(page, desktop, 'need-editor-in-kind')
      const created = await clickAndWait(page, page.getByTestId('need-save'), 'POST', '/needs')
      assert.equal(created.status(), 201, await created.text())
      assert.deepEqual(
        (await created.json()).items.map((it) => [it.type, it.size, it.count, it.note]),
        [
          ['winter_coat', '120', 3, '加厚款'],
          ['shoes', '33', 2, ''],
        ],
      )

      // A funding need: the target typed in yuan goes out as integer fen.
      await page.goto('/staff')
      await page.locator('[data-testid^="org-new-need-"]').first().click()
      await page.getByTestId('need-form').waitFor()
      await page.getByTestId('need-kind-funding').check()
      await page.getByTestId('need-category').selectOption('scholarship')
      await page.getByTestId('need-title-input').fill('圆梦大学助学测试')
      await page.getByTestId('need-narrative-input').fill('今年有两名困境家庭学生考入大学，每人资助入学费用，公开票据。')
      await page.getByTestId('need-age-min').selectOption('16')
      await page.getByTestId('need-age-max').selectOption('18')
      await page.getByTestId('need-children').fill('2')
      await page.getByTestId('need-target').fill('abc')
      await page.getByTestId('need-save').click()
      await page.getByTestId('error-need-target').filter({ hasText: '请输入金额' }).waitFor()
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'need-target')
      await page.getByTestId('need-target').fill('16,000.50')
      await page.getByTestId('need-per').fill('8000')
      await page.getByTestId('need-preview').getByText('¥16,000.50').first().waitFor()
      const saved = await clickAndWait(page, page.getByTestId('need-save'), 'POST', '/needs')
      assert.equal(saved.status(), 201, await saved.text())
      const body = JSON.parse(saved.request().postData())
      assert.equal(body.target_fen, 1_600_050)
      assert.equal(body.per_beneficiary_fen, 800_000)
      await page.waitForURL((u) => u.pathname.endsWith('/edit'))
      assert.equal(await page.getByTestId('need-target').inputValue(), '16000.50')
      await expectAccessible(page, 'the funding editor')
      await shot(page, desktop, 'need-editor-funding')
    })
  })
})

describe(`needs at ${phone.name} size (${phone.width}×${phone.height})`, () => {
  test('public list: search box, filter chips with counts, load more, and a need page', TIMEOUT, async () => {
    const all = await (await fetch(`${server.baseURL}/api/v1/needs?limit=1`)).json()
    const pairingCount = all.facets.kind.find((f) => f.value === 'pairing').count
    await withBrowser(phone, async (page) => {
      await page.goto('/')
      await page.getByTestId('menu-toggle').click()
      await page.getByTestId('nav-needs').click()
      await page.waitForURL('**/needs')
      await page.getByTestId('needs-total').filter({ hasText: `共 ${all.total} 条需求` }).waitFor()
      assert.equal(await page.getByTestId('need-card').count(), 12)
      // Filters fold away on a phone.
      assert.equal(await page.getByTestId('needs-filters').isVisible(), false)
      await noSidewaysScroll(page, 'the needs list')
      await expectAccessible(page, 'the needs list on a phone')
      await shot(page, phone, 'needs')
      // Load more appends the next page.
      assert.ok(all.total > 12, 'the demo data fills more than one page')
      await page.getByTestId('needs-load-more').click()
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="need-card"]').length > 12)
      assert.equal(await page.getByTestId('need-card').count(), Math.min(all.total, 24))
      // Focus moves to the first new result.
      await page.waitForFunction(() => document.activeElement === document.querySelectorAll('[data-testid="need-card-link"]')[12])

      await page.getByTestId('filters-toggle').click()
      await page.getByTestId('needs-filters').waitFor()
      const chip = page.getByTestId('chip-kind-pairing')
      assert.equal(await chip.locator('.chip-count').innerText(), String(pairingCount))
      await chip.click()
      await page.getByTestId('needs-total').filter({ hasText: `共 ${pairingCount} 条需求` }).waitFor()
      assert.equal(await chip.getAttribute('aria-pressed'), 'true')
      assert.equal(new URL(page.url()).searchParams.get('kind'), 'pairing')
      // The other kinds stay offered with their own counts, as alternatives.
      const inKind = all.facets.kind.find((f) => f.value === 'in_kind').count
      assert.equal(await page.getByTestId('chip-kind-in_kind').locator('.chip-count').innerText(), String(inKind))
      assert.match(await page.getByTestId('filters-toggle').innerText(), /已选 1 项/)
      await expectAccessible(page, 'the needs list with filters open on a phone')
      await shot(page, phone, 'needs-filters')

      assert.equal(await page.getByTestId('need-card').count(), Math.min(pairingCount, 12))
      for (const text of await page.getByTestId('need-card').locator('.tag-list li:first-child').allInnerTexts()) {
        assert.equal(text, '结对')
      }

      await page.getByTestId('need-card-link').first().click()
      await page.waitForURL((u) => /^\/needs\/[0-9a-f]+$/.test(u.pathname))
      await page.getByTestId('need-title').waitFor()
      await page.getByTestId('need-progress').waitFor()
      assert.equal(await page.getByTestId('need-cta').innerText(), '报名结对')
      await noSidewaysScroll(page, 'the need page')
      await expectAccessible(page, 'the need page on a phone')
      await shot(page, phone, 'need-page')

      // A funding need shows its target and progress from integer fen.
      const funding = (await (await fetch(`${server.baseURL}/api/v1/needs?kind=funding&limit=1`)).json()).items[0]
      await page.goto(`/needs/${funding.id}`)
      await page.getByTestId('need-progress').getByRole('progressbar').waitFor()
      assert.equal(await page.getByTestId('need-cta').innerText(), '捐赠')
      const yuan = `¥${Math.floor(funding.target_fen / 100).toLocaleString('en-US')}.${String(funding.target_fen % 100).padStart(2, '0')}`
      assert.ok((await page.getByTestId('need-facts').innerText()).includes(yuan), `target ${yuan} shown`)
      await shot(page, phone, 'need-page-funding')

      // The same page in English.
      await page.getByTestId('lang-switch').click()
      assert.equal(await page.getByTestId('need-cta').innerText(), 'Give')
      assert.match(await page.getByTestId('need-facts').innerText(), /Age band\s+ages \d+–\d+/)
      assert.match(await page.getByTestId('need-progress').innerText(), /raised of ¥/)
      await expectAccessible(page, 'the need page in English')
      await shot(page, phone, 'need-page-en')
    })
  })

  test('the need editor fits a phone', TIMEOUT, async () => {
    await withBrowser(phone, async (page) => {
      await loginAs(page, 'coordinator@tongban.example')
      await page.locator('[data-testid^="org-new-need-"]').first().click()
      await page.getByTestId('need-form').waitFor()
      await page.getByTestId('need-title-input').fill('手机上起草的需求')
      await page.getByTestId('need-narrative-input').fill('联系家长请拨打 13800138000，孩子需要陪伴。')
      await page.getByTestId('pii-narrative-mirror').locator('mark').waitFor()
      await page.getByTestId('need-add-slot').click()
      await noSidewaysScroll(page, 'the need editor')
      await expectAccessible(page, 'the need editor on a phone')
      await shot(page, phone, 'need-editor')
    })
  })
})
