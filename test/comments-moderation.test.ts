import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'
import { createComment, moderateComment } from '../src/comments/mutations.js'
import type { Change } from '../src/plugins/changes.js'

const app = await build(t, { commentRateLimit: 1000 })
const checker = await SpecChecker.of(app)
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const writer = insertAuthor(app, 'Moderated Writer')
const authorKey = tokenFor(app, 'author', writer.id)
const changes: Change[] = []
app.onContentChange((change) => { changes.push(change) })

const harbour = await postArticle(app, admin, { title: 'Harbour news', authorId: writer.id, status: 'published' })
await postArticle(app, admin, { title: 'Budget news', authorId: writer.id, status: 'published' })
const draft = await postArticle(app, admin, { title: 'Draft news', authorId: writer.id })

let sequence = 0
/** A submission through the API; returns its id. */
async function submit (articleId: number, extra: Record<string, unknown> = {}): Promise<number> {
  const n = ++sequence
  const r = await call(app, { method: 'POST', url: `/v1/articles/${articleId}/comments`, payload: { authorName: `Reader ${n}`, authorEmail: `reader${n}@mail.example`, body: `Comment ${n}`, ...extra } })
  if (r.status !== 201) throw new Error(`submitting failed: ${r.status} ${r.res.body}`)
  return r.json.data.id
}

/** An editor's request, checked against the spec. */
async function asEditor (method: 'GET' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) {
  const r = await call(app, { method, url, payload, token: editor, headers })
  const problems = r.status === 304 ? [] : checker.check(method, url, r.res)
  if (problems.length) throw new Error(problems.join('; '))
  return r
}

const approve = (id: number, status = 'approved') => asEditor('PATCH', `/v1/comments/${id}`, { status })
const commentCountOf = async (id: number) => (await call(app, { url: `/v1/articles/${id}` })).json.data.commentCount
const storedCount = (id: number) => (app.db.$client.prepare('select comment_count n from articles where id = ?').get(id) as { n: number }).n
const row = async (id: number) => (await asEditor('GET', `/v1/comments/${id}`)).json.data

t.test('[401] anonymous and [403] author keys may not moderate', async (t) => {
  const id = await submit(harbour.id)
  for (const [method, url, payload] of [
    ['GET', '/v1/comments'], ['GET', `/v1/comments/${id}`],
    ['PATCH', `/v1/comments/${id}`, { status: 'approved' }], ['DELETE', `/v1/comments/${id}`]
  ] as const) {
    const anonymous = await call(app, { method, url, payload })
    t.equal(anonymous.status, 401, `anonymous ${method} ${url}`)
    t.match(anonymous.headers['www-authenticate'], /^Bearer/)
    t.notMatch(anonymous.res.body, /@mail\.example/)
    const author = await call(app, { method, url, payload, token: authorKey })
    t.equal(author.status, 403, `author ${method} ${url}`)
    t.notMatch(author.res.body, /@mail\.example/)
  }
  t.equal((await row(id)).status, 'pending', 'nothing changed')
  const asAdmin = await call(app, { url: `/v1/comments/${id}`, token: admin })
  t.equal(asAdmin.status, 200, 'admins moderate too')
})

t.test('[200] an editor reads one comment with its email, status and an ETag', async (t) => {
  const id = await submit(harbour.id, { authorUrl: 'https://me.example' })
  const { status, json, headers } = await asEditor('GET', `/v1/comments/${id}`)
  t.equal(status, 200)
  t.same(Object.keys(json.data), ['id', 'articleId', 'parentId', 'depth', 'authorName', 'authorEmail', 'authorUrl', 'body', 'bodyHtml', 'status', 'createdAt', 'updatedAt'])
  t.match(json.data, { id, articleId: harbour.id, parentId: null, depth: 1, authorEmail: `reader${sequence}@mail.example`, authorUrl: 'https://me.example', status: 'pending' })
  t.ok(headers.etag)
  t.equal(headers['cache-control'], 'private, no-store')
  t.equal((await asEditor('GET', `/v1/comments/${id}`, undefined, { 'if-none-match': headers.etag as string })).status, 304)
  t.equal((await asEditor('GET', '/v1/comments/999999')).status, 404)
  t.equal((await asEditor('GET', '/v1/comments/abc')).status, 400)
})

t.test('[200] approving and unapproving keeps the article\'s commentCount in step', async (t) => {
  const article = await postArticle(app, admin, { title: 'Counted', authorId: writer.id, status: 'published' })
  const a = await submit(article.id)
  const b = await submit(article.id)
  t.equal(await commentCountOf(article.id), 0, 'pending comments do not count')
  changes.length = 0
  const r = await approve(a)
  t.equal(r.status, 200)
  t.equal(r.json.data.status, 'approved')
  t.same(changes, [{ commentIds: [a], articleIds: [article.id] }], 'the write is announced')
  t.equal(await commentCountOf(article.id), 1)
  await approve(b)
  t.equal(await commentCountOf(article.id), 2)
  await approve(b, 'approved')
  t.equal(await commentCountOf(article.id), 2, 'approving twice counts once')
  for (const status of ['spam', 'trash', 'pending']) {
    await approve(a, status)
    t.equal(await commentCountOf(article.id), 1, `${status} does not count`)
    await approve(a)
  }
  t.equal(await commentCountOf(article.id), 2)
  const list = await call(app, { url: `/v1/articles/${article.id}/comments` })
  t.equal(list.json.meta.total, 2, 'the count matches the public list')
})

t.test('[200] an editor corrects body, name and URL; bodyHtml follows', async (t) => {
  const id = await submit(harbour.id, { authorUrl: 'https://old.example' })
  const read = await asEditor('GET', `/v1/comments/${id}`)
  const before = read.json.data
  const r = await asEditor('PATCH', `/v1/comments/${id}`, { body: 'Fixed <i>text</i>\nhttps://ok.example', authorName: 'Fixed Name', authorUrl: null })
  t.equal(r.status, 200)
  t.match(r.json.data, {
    body: 'Fixed <i>text</i>\nhttps://ok.example',
    bodyHtml: '<p>Fixed &lt;i&gt;text&lt;/i&gt;<br><a href="https://ok.example" rel="nofollow ugc noopener">https://ok.example</a></p>',
    authorName: 'Fixed Name',
    authorUrl: null,
    status: 'pending',
    authorEmail: before.authorEmail,
    createdAt: before.createdAt
  })
  t.ok(Date.parse(r.json.data.updatedAt) > Date.parse(before.updatedAt))
  t.ok(r.headers.etag)
  t.not(r.headers.etag, read.headers.etag)
  t.equal((await asEditor('GET', `/v1/comments/${id}`)).headers.etag, r.headers.etag, 'PATCH answers the ETag GET gives')
  t.same(await row(id), r.json.data)
})

t.test('[400] a PATCH with nothing, unknown or invalid properties changes nothing', async (t) => {
  const id = await submit(harbour.id)
  const before = await row(id)
  for (const [path, payload] of [
    ['/', {}],
    ['/status', { status: 'published' }],
    ['/authorEmail', { authorEmail: 'new@mail.example' }],
    ['/body', { body: '' }],
    ['/body', { body: 'x'.repeat(5001) }],
    ['/authorName', { authorName: 'x'.repeat(101) }],
    ['/authorUrl', { authorUrl: 'javascript:alert(1)' }],
    ['/parentId', { parentId: 1 }]
  ] as const) {
    const r = await asEditor('PATCH', `/v1/comments/${id}`, payload)
    t.equal(r.status, 400, JSON.stringify(payload).slice(0, 50))
    t.equal(r.json.errors?.[0]?.path, path)
  }
  t.same(await row(id), before)
  t.equal((await asEditor('PATCH', '/v1/comments/999999', { status: 'approved' })).status, 404)
})

t.test('[412] If-Match that does not match; [200] one that does', async (t) => {
  const id = await submit(harbour.id)
  const { headers } = await asEditor('GET', `/v1/comments/${id}`)
  const etag = headers.etag as string
  const stale = await asEditor('PATCH', `/v1/comments/${id}`, { status: 'approved' }, { 'if-match': '"stale"' })
  t.equal(stale.status, 412)
  t.match(stale.headers['content-type'], /^application\/problem\+json/)
  t.equal((await row(id)).status, 'pending')
  const fresh = await asEditor('PATCH', `/v1/comments/${id}`, { status: 'approved' }, { 'if-match': etag })
  t.equal(fresh.status, 200)
  t.equal((await asEditor('PATCH', `/v1/comments/${id}`, { status: 'spam' }, { 'if-match': etag })).status, 412, 'the old ETag is stale now')
  t.equal((await asEditor('DELETE', `/v1/comments/${id}`, undefined, { 'if-match': etag })).status, 412)
  t.equal((await row(id)).status, 'approved')
  const current = (await asEditor('GET', `/v1/comments/${id}`)).headers.etag as string
  t.equal((await asEditor('DELETE', `/v1/comments/${id}`, undefined, { 'if-match': current })).status, 204)
})

t.test('[204] deleting a comment moves its replies to its parent and fixes their depth', async (t) => {
  const article = await postArticle(app, admin, { title: 'Threaded', authorId: writer.id, status: 'published' })
  // a ─ b ─ c ─ d, and b ─ e
  const a = await submit(article.id); await approve(a)
  const b = await submit(article.id, { parentId: a }); await approve(b)
  const c = await submit(article.id, { parentId: b }); await approve(c)
  const d = await submit(article.id, { parentId: c }); await approve(d)
  const e = await submit(article.id, { parentId: b })
  t.equal(await commentCountOf(article.id), 4)
  changes.length = 0
  const r = await asEditor('DELETE', `/v1/comments/${b}`)
  t.equal(r.status, 204)
  t.equal(r.res.body, '')
  t.equal((await asEditor('GET', `/v1/comments/${b}`)).status, 404)
  t.match(await row(c), { parentId: a, depth: 2 })
  t.match(await row(e), { parentId: a, depth: 2 })
  t.match(await row(d), { parentId: c, depth: 3 })
  t.match(await row(a), { parentId: null, depth: 1 })
  t.equal(await commentCountOf(article.id), 3)
  t.equal(changes.length, 1)
  t.same(changes[0].articleIds, [article.id])
  t.same([...changes[0].commentIds!].sort(), [b, c, d, e].sort(), 'the deleted comment and every comment that moved')

  // A top-level comment: its replies become top-level.
  t.equal((await asEditor('DELETE', `/v1/comments/${a}`)).status, 204)
  t.match(await row(c), { parentId: null, depth: 1 })
  t.match(await row(d), { parentId: c, depth: 2 })
  t.equal(await commentCountOf(article.id), 2)
  const list = await call(app, { url: `/v1/articles/${article.id}/comments` })
  t.same(list.json.data.map((x: any) => [x.id, x.parentId]), [[c, null], [d, c]])

  // Replies can nest deeper again where a level was freed.
  const deep: number[] = [d]
  for (let i = 0; i < 3; i++) { const next = await submit(article.id, { parentId: deep[deep.length - 1] }); await approve(next); deep.push(next) }
  t.equal((await row(deep[3])).depth, 5)
  t.equal((await asEditor('DELETE', '/v1/comments/999999')).status, 404)
})

t.test('[204] deleting a pending comment leaves the count alone', async (t) => {
  const article = await postArticle(app, admin, { title: 'Pending delete', authorId: writer.id, status: 'published' })
  const kept = await submit(article.id); await approve(kept)
  const gone = await submit(article.id)
  t.equal((await asEditor('DELETE', `/v1/comments/${gone}`)).status, 204)
  t.equal(await commentCountOf(article.id), 1)
})

t.test('[200] the moderation list: every status, newest first, with email and status', async (t) => {
  const all = await asEditor('GET', '/v1/comments?perPage=100')
  t.equal(all.status, 200)
  const total = app.db.$client.prepare('select count(*) n from comments').get() as { n: number }
  t.equal(all.json.meta.total, total.n)
  t.equal(all.headers['x-total-count'], String(total.n))
  const times = all.json.data.map((c: any) => [Date.parse(c.createdAt), c.id])
  const sorted = [...times].sort((x, y) => y[0] - x[0] || y[1] - x[1])
  t.same(times, sorted, 'newest first, ties by id')
  for (const c of all.json.data) t.match(c, { authorEmail: /@mail\.example$/, status: /^(pending|approved|spam|trash)$/ })
  t.equal(all.headers['cache-control'], 'private, no-store')
})

t.test('[200] the moderation list filters by status and article, sorts and picks fields', async (t) => {
  const at = Date.parse('2023-01-01T00:00:00Z')
  const made = (articleId: number, status: 'pending' | 'approved' | 'spam' | 'trash', offset: number) =>
    createComment(app.db, articleId, { authorName: 'Fixture', authorEmail: 'fixture@mail.example', body: status }, { status, createdAt: at + offset }).id
  const topic = await postArticle(app, admin, { title: 'Filter topic', authorId: writer.id, status: 'published' })
  const second = await postArticle(app, admin, { title: 'Filter second', authorId: writer.id, status: 'published' })
  const p = made(topic.id, 'pending', 1)
  const ap = made(topic.id, 'approved', 2)
  const s = made(topic.id, 'spam', 3)
  const tr = made(topic.id, 'trash', 4)
  const other = made(second.id, 'pending', 5)
  const ids = async (query: string) => {
    const r = await asEditor('GET', `/v1/comments?${query}`)
    t.equal(r.status, 200, query)
    return r.json.data.map((c: any) => c.id)
  }
  t.same(await ids(`article=${topic.id}`), [tr, s, ap, p])
  t.same(await ids(`article=${topic.slug}&sort=createdAt`), [p, ap, s, tr])
  t.same(await ids(`article=${topic.slug},${second.id}&status=pending`), [other, p])
  t.same(await ids(`article=${topic.id}&status=spam,trash`), [tr, s])
  t.same(await ids('article=no-such-article'), [])
  t.same(await ids(`article=${draft.slug}`), [], 'a draft with no comments')
  const picked = await asEditor('GET', `/v1/comments?article=${topic.id}&fields=status,authorEmail`)
  t.same(picked.json.data[0], { id: tr, authorEmail: 'fixture@mail.example', status: 'trash' })

  const seen: number[] = []
  let url: string | null = `/v1/comments?article=${topic.id}&perPage=3`
  while (url) {
    const r = await asEditor('GET', url)
    seen.push(...r.json.data.map((c: any) => c.id))
    url = r.json.links.next
  }
  t.same(seen, [tr, s, ap, p], 'cursor walk')
  const page2 = await asEditor('GET', `/v1/comments?article=${topic.id}&perPage=3&page=2`)
  t.same(page2.json.data.map((c: any) => c.id), [p])
  t.equal(page2.json.meta.totalPages, 2)

  for (const query of ['status=published', 'status=', 'sort=title', 'sort=updatedAt', 'fields=ip', 'fields=email', 'q=x', 'article=Not_A_Slug']) {
    const r = await asEditor('GET', `/v1/comments?${query}`)
    t.equal(r.status, 400, query)
    t.match(r.json.errors[0].path, /^\/query\//)
  }
})

t.test('moderateComment and createComment work without HTTP (the demo loader)', async (t) => {
  const article = await postArticle(app, admin, { title: 'Loader', authorId: writer.id, status: 'published' })
  const { id } = createComment(app.db, article.id, { authorName: 'Demo', authorEmail: 'demo@mail.example', body: 'Hello' })
  t.equal((await row(id)).status, 'pending', 'pending by default')
  t.same(moderateComment(app.db, id, { status: 'approved' }), { commentIds: [id], articleIds: [article.id] })
  t.equal(storedCount(article.id), 1)
  const reply = createComment(app.db, article.id, { authorName: 'Demo', authorEmail: 'demo@mail.example', body: 'Reply', parentId: id }, { status: 'approved' })
  t.match(await row(reply.id), { parentId: id, depth: 2, status: 'approved' })
  t.equal(storedCount(article.id), 2)
  t.throws(() => moderateComment(app.db, 999999, { status: 'spam' }), { name: 'FastifyError', message: 'Comment not found' })
})

t.test('deleting an article deletes its comments', async (t) => {
  const article = await postArticle(app, admin, { title: 'Doomed', authorId: writer.id, status: 'published' })
  const id = await submit(article.id)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/articles/${article.id}`, token: admin })).status, 204)
  t.equal((await asEditor('GET', `/v1/comments/${id}`)).status, 404)
})
