/**
 * The interactive docs in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens /docs on a listening app, sees the operations, runs one request
 * from the page, and reports no CSP violations. Also writes docs/docs-page.png for the README
 * (when missing, or with UPDATE_SCREENSHOT=1).
 * .ci/run installs chromium when it is missing; without it this test fails, it never skips.
 */
import t from 'tap'
import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { tokenFor } from './helpers.js'
import { hoursAgo, insertAuthor, postArticle } from './fixtures.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOT = new URL('../docs/docs-page.png', import.meta.url)
const TITLE = 'Harbour pilots vote to keep the night ferry'

t.test('/docs in headless Chromium lists the operations and runs a request', async (t) => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: this test needs Debian's chromium package ` +
      '(sudo apt-get install -y chromium; .ci/run installs it when missing)')
  }

  const app = await buildApp(testConfig({ demoContent: false }))
  t.teardown(() => app.close())
  const admin = tokenFor(app, 'admin')
  const author = insertAuthor(app, 'Ann Writer')
  const article = await postArticle(app, admin, {
    title: TITLE,
    body: '## The vote\n\nThe pilots voted on Tuesday.',
    authorId: author.id,
    status: 'published',
    publishedAt: hoursAgo(1)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  let browser: Browser
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The background-networking flags keep Chromium from phoning home on a closed network.
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 20_000
    })
  } catch (err) {
    throw new Error(`could not launch ${CHROMIUM}: ${(err as Error).message}`)
  }
  t.teardown(() => browser.close())

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(10_000)
  const consoleErrors: string[] = []
  const pageErrors: string[] = []
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
  page.on('pageerror', (err) => { pageErrors.push(err.message) })

  const res = await page.goto(`${base}/docs`, { waitUntil: 'load' })
  t.ok(res, 'the page answered')
  t.equal(res!.status(), 200, '/docs is 200')

  // swagger-ui fetches the spec and renders one .opblock per operation.
  await page.locator('.swagger-ui .opblock').first().waitFor({ state: 'visible' })
  const listArticles = page.locator('#operations-articles-listArticles')
  const getArticle = page.locator('#operations-articles-getArticle')
  await listArticles.waitFor({ state: 'visible' })
  await getArticle.waitFor({ state: 'visible' })
  t.equal(await listArticles.locator('.opblock-summary-method').innerText(), 'GET')
  t.equal(await listArticles.locator('.opblock-summary-path').getAttribute('data-path'), '/v1/articles', 'listArticles path shown')
  t.equal(await getArticle.locator('.opblock-summary-path').getAttribute('data-path'), '/v1/articles/{key}', 'getArticle path shown')
  const operations = await page.locator('.swagger-ui .opblock').count()
  t.ok(operations >= 30, `at least 30 operations listed (saw ${operations})`)
  for (const tag of ['articles', 'authors', 'categories', 'tags', 'comments', 'keys']) {
    t.ok(await page.locator(`.opblock-tag[data-tag="${tag}"]`).isVisible(), `tag "${tag}" listed`)
  }

  // The README picture: the top of the docs with the operation list. It shows this run's
  // random port, so it is written only when missing or asked for (UPDATE_SCREENSHOT=1),
  // not on every test run.
  if (process.env.UPDATE_SCREENSHOT === '1' || !existsSync(SCREENSHOT)) {
    mkdirSync(new URL('.', SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT.pathname })
    t.comment(`wrote ${SCREENSHOT.pathname}`)
  }

  // A revisit is answered by the response cache: a 304 on reload, a stored 200 for a new
  // visitor. Both must carry the docs' policy, not the API's `default-src 'none'`.
  const reloaded = await page.reload({ waitUntil: 'load' })
  t.ok((await reloaded!.request().allHeaders())['if-none-match'], 'the reload revalidated /docs')
  await listArticles.waitFor({ state: 'visible' })
  const visitor = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  visitor.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
  visitor.on('pageerror', (err) => { pageErrors.push(err.message) })
  await visitor.goto(`${base}/docs`, { waitUntil: 'load' })
  await visitor.locator('#operations-articles-getArticle').waitFor({ state: 'visible', timeout: 10_000 })
  t.pass('the docs render again on a reload and for a second visitor')
  await visitor.close()

  // Run GET /v1/articles from the page.
  await listArticles.locator('.opblock-summary-control').click()
  const body = listArticles.locator('.opblock-body')
  await body.waitFor({ state: 'visible' })
  // tryItOutEnabled: true opens the form already; click "Try it out" only if it is offered.
  const tryItOut = body.locator('button.try-out__btn', { hasText: 'Try it out' })
  if (await tryItOut.count()) await tryItOut.click()
  await body.locator('button.execute').click()
  const live = body.locator('.live-responses-table .response')
  await live.first().waitFor({ state: 'visible' })
  t.equal((await live.first().locator('.response-col_status').innerText()).trim(), '200', 'the live response is 200')
  const responseBody = live.first().locator('.response-col_description .microlight, .response-col_description pre').first()
  await t.resolves(responseBody.filter({ hasText: TITLE }).waitFor({ state: 'visible' }), 'the response shows the article title')
  t.match(await responseBody.innerText(), article.slug, 'and its slug')
  t.match(await body.locator('.request-url').innerText(), `${base}/v1/articles`, 'the request went to this server')

  const cspErrors = consoleErrors.filter((m) => /content security policy|content-security-policy|\bCSP\b|refused to (load|execute|apply|connect)/i.test(m))
  t.same(cspErrors, [], 'no Content-Security-Policy violations in the console')
  t.same(pageErrors, [], 'no uncaught page errors')
  if (consoleErrors.length) t.comment(`other console errors: ${consoleErrors.join(' | ')}`)
})
