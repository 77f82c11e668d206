import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

t.test('[429] submissions are limited per client address, with Retry-After and a problem document', async (t) => {
  const app = await build(t, { commentRateLimit: 3 })
  const checker = await SpecChecker.of(app)
  const admin = tokenFor(app, 'admin')
  const editor = tokenFor(app, 'editor')
  const writer = insertAuthor(app, 'Limited Writer')
  const article = await postArticle(app, admin, { title: 'Popular story', authorId: writer.id, status: 'published' })
  const url = `/v1/articles/${article.id}/comments`
  const payload = { authorName: 'Fast Typist', authorEmail: 'fast@mail.example', body: 'Again!' }
  const post = (remoteAddress = '127.0.0.1', body: object = payload) => app.inject({ method: 'POST', url, payload: body, remoteAddress })

  for (let i = 1; i <= 3; i++) {
    const ok = await post()
    t.equal(ok.statusCode, 201, `submission ${i}`)
    t.equal(ok.headers['x-ratelimit-limit'], '3')
    t.equal(ok.headers['x-ratelimit-remaining'], String(3 - i))
  }
  const limited = await post()
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  const retryAfter = Number(limited.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After: ${limited.headers['retry-after']}`)
  t.match(limited.json(), { type: 'urn:broadsheet:problem:too-many-requests', title: 'Too Many Requests', status: 429, detail: /retry in/ })
  t.notMatch(limited.body, /fast@mail\.example/)
  t.same(checker.check('POST', url, limited), [], 'the 429 is the documented problem')

  const stored = await call(app, { url: `/v1/comments?article=${article.id}`, token: editor })
  t.equal(stored.json.meta.total, 3, 'the limited submission stored nothing')

  t.equal((await post('203.0.113.9')).statusCode, 201, 'another address has its own allowance')
  t.equal((await post('127.0.0.1', { ...payload, body: '' })).statusCode, 400, 'the body is checked first: a 400 says what to fix')

  // A reader fixing what the 400s named is not locked out: only valid submissions count.
  for (const broken of [{ ...payload, authorEmail: 'not an email' }, { ...payload, body: '' }, { ...payload, authorName: '' }, { ...payload, extra: 1 }]) {
    t.equal((await post('198.51.100.7', broken)).statusCode, 400)
  }
  for (let i = 1; i <= 3; i++) t.equal((await post('198.51.100.7')).statusCode, 201, `then submission ${i} of 3 is accepted`)
  t.equal((await post('198.51.100.7')).statusCode, 429)
  // Bodies are read before the allowance is counted: a comment's is kept small.
  const huge = await post('198.51.100.8', { ...payload, body: 'x'.repeat(140_000) })
  t.same([huge.statusCode, huge.headers['content-type']], [413, 'application/problem+json; charset=utf-8'], 'a body over 128 KB is a 413')

  for (let i = 0; i < 10; i++) {
    const read = await app.inject({ url })
    t.equal(read.statusCode, 200, `read ${i + 1} is not limited`)
    t.notOk(read.headers['x-ratelimit-limit'])
  }
  t.equal((await call(app, { url: '/v1/articles', token: editor })).status, 200, 'other routes are not limited')
})

t.test('[429] the default allowance is 5 a minute', async (t) => {
  const app = await build(t)
  t.equal(app.config.commentRateLimit, 5)
  const admin = tokenFor(app, 'admin')
  const writer = insertAuthor(app, 'Default Writer')
  const article = await postArticle(app, admin, { title: 'Default limit', authorId: writer.id, status: 'published' })
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) {
    const r = await app.inject({ method: 'POST', url: `/v1/articles/${article.slug}/comments`, payload: { authorName: 'N', authorEmail: 'n@mail.example', body: `n${i}` } })
    statuses.push(r.statusCode)
  }
  t.same(statuses, [201, 201, 201, 201, 201, 429])
})
