import t from 'tap'
import type { InjectOptions } from 'fastify'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'
import { createComment } from '../src/comments/mutations.js'

const app = await build(t, { commentRateLimit: 1000 })
const checker = await SpecChecker.of(app)
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const writer = insertAuthor(app, 'Comment Writer')
const authorKey = tokenFor(app, 'author', writer.id)

const open = await postArticle(app, admin, { title: 'Open for comments', authorId: writer.id, status: 'published' })
const other = await postArticle(app, admin, { title: 'Another open story', authorId: writer.id, status: 'published' })
const closed = await postArticle(app, admin, { title: 'Closed to comments', authorId: writer.id, status: 'published', commentStatus: 'closed' })
const draft = await postArticle(app, admin, { title: 'A draft nobody sees', authorId: writer.id })
const scheduled = await postArticle(app, admin, { title: 'Later', authorId: writer.id, status: 'scheduled', publishedAt: new Date(Date.now() + 3600_000).toISOString() })

// Every email a test submits, and every response a caller without an editor or admin
// key received: the last test checks that none of those responses shows any of them.
const emails = new Set<string>()
const publicResponses: { url: string, body: string }[] = []
let sequence = 0

/** A request as a reader (or an author key) makes it; its response is kept for the email scan. */
async function asReader (options: InjectOptions & { token?: string }) {
  const result = await call(app, options)
  publicResponses.push({ url: `${options.method ?? 'GET'} ${options.url}`, body: result.res.body })
  const problems = result.status === 304 ? [] : checker.check(String(options.method ?? 'GET'), String(options.url), result.res)
  if (problems.length) throw new Error(`response does not match the spec: ${problems.join('; ')}`)
  return result
}

function submission (extra: Record<string, unknown> = {}) {
  const email = `reader${++sequence}@mail.example`
  emails.add(email)
  return { authorName: `Reader ${sequence}`, authorEmail: email, body: `Comment number ${sequence}`, ...extra }
}

async function submit (key: string | number, extra: Record<string, unknown> = {}, token?: string) {
  return asReader({ method: 'POST', url: `/v1/articles/${key}/comments`, payload: submission(extra), token })
}

async function moderate (id: number, payload: Record<string, unknown>) {
  const r = await call(app, { method: 'PATCH', url: `/v1/comments/${id}`, token: editor, payload })
  if (r.status !== 200) throw new Error(`moderating ${id} failed: ${r.status} ${r.res.body}`)
  return r.json.data
}

/** A submitted comment an editor has approved; returns its id. */
async function approved (key: string | number, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await submit(key, extra)
  if (r.status !== 201) throw new Error(`submitting failed: ${r.status} ${r.res.body}`)
  await moderate(r.json.data.id, { status: 'approved' })
  return r.json.data.id
}

const moderated = async (id: number) => (await call(app, { url: `/v1/comments/${id}`, token: editor })).json.data
const articleOf = async (key: string | number) => (await asReader({ url: `/v1/articles/${key}` })).json.data
const commentCount = () => app.db.$client.prepare('select count(*) n from comments').get() as { n: number }

t.test('[201] accepts a comment as pending, with Location and without the email', async (t) => {
  const payload = submission({ authorUrl: 'https://reader.example/me' })
  const { status, json, headers } = await asReader({ method: 'POST', url: `/v1/articles/${open.slug}/comments`, payload })
  t.equal(status, 201)
  t.same(Object.keys(json.data).sort(), ['articleId', 'authorName', 'authorUrl', 'body', 'bodyHtml', 'createdAt', 'id', 'parentId', 'status'])
  t.match(json.data, { articleId: open.id, parentId: null, authorName: payload.authorName, authorUrl: 'https://reader.example/me', body: payload.body, status: 'pending' })
  t.match(json.data.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.equal(headers.location, `/v1/comments/${json.data.id}`)
  t.match(headers['content-type'], /^application\/json/)
  const stored = (await call(app, { url: headers.location as string, token: editor })).json.data
  t.match(stored, { id: json.data.id, authorEmail: payload.authorEmail, status: 'pending', depth: 1 })
})

t.test('[201] a key is not needed, but an author key may comment on its own draft', async (t) => {
  const r = await submit(draft.id, {}, authorKey)
  t.equal(r.status, 201)
  t.equal(r.json.data.articleId, draft.id)
  t.equal(r.json.data.status, 'pending', 'keys do not skip moderation')
})

t.test('[201] stores the body as given and renders bodyHtml as plain text', async (t) => {
  const body = '  <script>alert("x")</script> & <b onclick="y">bold</b>\nsee https://example.com/a?b=1&c=2.\n\nnext  '
  const r = await submit(open.id, { body })
  t.equal(r.status, 201)
  t.equal(r.json.data.body, body, 'stored exactly as given')
  t.equal(r.json.data.bodyHtml,
    '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onclick=&quot;y&quot;&gt;bold&lt;/b&gt;<br>' +
    'see <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">https://example.com/a?b=1&amp;c=2</a>.</p><p>next</p>')
  t.equal((await moderated(r.json.data.id)).body, body)
})

t.test('[201] accepts a reply to an approved comment', async (t) => {
  const parent = await approved(open.id)
  const r = await submit(open.id, { parentId: parent })
  t.equal(r.status, 201)
  t.equal(r.json.data.parentId, parent)
  t.equal((await moderated(r.json.data.id)).depth, 2)
})

t.test('[400] a parent that is not an approved comment of the same article names /parentId', async (t) => {
  const pending = (await submit(open.id)).json.data.id
  const elsewhere = await approved(other.id)
  const spam = await approved(open.id)
  await moderate(spam, { status: 'spam' })
  const before = commentCount().n
  for (const [label, parentId] of [['pending', pending], ['another article', elsewhere], ['spam', spam], ['missing', 999999]] as const) {
    const r = await submit(open.id, { parentId })
    t.equal(r.status, 400, label)
    t.match(r.headers['content-type'], /^application\/problem\+json/)
    t.same(r.json.errors?.map((e: any) => e.path), ['/parentId'], label)
  }
  t.equal(commentCount().n, before, 'nothing stored')
})

t.test('[400] replies nest at most 5 deep', async (t) => {
  let parent: number | undefined
  const chain: number[] = []
  for (let depth = 1; depth <= 5; depth++) {
    parent = await approved(open.id, parent === undefined ? {} : { parentId: parent })
    chain.push(parent)
  }
  t.equal((await moderated(chain[4])).depth, 5)
  const r = await submit(open.id, { parentId: chain[4] })
  t.equal(r.status, 400)
  t.equal(r.json.errors[0].path, '/parentId')
  t.match(r.json.detail, /5 deep/)
  t.equal((await submit(open.id, { parentId: chain[3] })).status, 201, 'a fifth level is fine')
})

t.test('[400] field errors name the field', async (t) => {
  const before = commentCount().n
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['/authorEmail', { authorEmail: 'not-an-email' }, /format "email"/],
    ['/authorEmail', { authorEmail: undefined }, /required/],
    ['/authorName', { authorName: '' }, /fewer than 1/],
    ['/authorName', { authorName: 'x'.repeat(101) }, /more than 100/],
    ['/authorName', { authorName: '   ' }, /pattern/],
    ['/authorName', { authorName: undefined }, /required/],
    ['/authorName', { authorName: 5 }, /string/],
    ['/body', { body: '' }, /fewer than 1/],
    ['/body', { body: 'x'.repeat(5001) }, /more than 5000/],
    ['/body', { body: ' \n\t ' }, /pattern/],
    ['/body', { body: undefined }, /required/],
    ['/authorUrl', { authorUrl: 'javascript:alert(1)' }, /pattern|format/],
    ['/authorUrl', { authorUrl: 'ftp://files.example/x' }, /pattern/],
    ['/authorUrl', { authorUrl: 'not a url' }, /pattern|format/],
    ['/parentId', { parentId: 0 }, /must be >= 1/],
    ['/parentId', { parentId: '3' }, /integer/],
    ['/status', { status: 'approved' }, /not a known property/],
    ['/website', { website: 5 }, /string/]
  ]
  for (const [path, extra, message] of cases) {
    const payload: Record<string, unknown> = submission(extra)
    for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key]
    const r = await asReader({ method: 'POST', url: `/v1/articles/${open.id}/comments`, payload })
    t.equal(r.status, 400, `${path} ${JSON.stringify(extra).slice(0, 60)}`)
    t.equal(r.json.errors?.[0]?.path, path)
    t.match(r.json.errors?.[0]?.message, message)
    t.equal(r.json.status, 400)
  }
  t.equal(commentCount().n, before, 'nothing stored')
  const edges = await submit(open.id, { authorName: 'n'.repeat(100), body: 'b'.repeat(5000), authorUrl: 'http://plain.example' })
  t.equal(edges.status, 201, '100-character name, 5,000-character body and an http URL are fine')
  t.equal((await submit(open.id, { authorUrl: null })).status, 201, 'authorUrl may be null')
})

t.test('[400] a body that is not JSON or not an object', async (t) => {
  const r = await asReader({ method: 'POST', url: `/v1/articles/${open.id}/comments`, payload: 'hello', headers: { 'content-type': 'text/plain' } })
  t.equal(r.status, 415)
  const array = await asReader({ method: 'POST', url: `/v1/articles/${open.id}/comments`, payload: [], headers: { 'content-type': 'application/json' } })
  t.equal(array.status, 400)
})

t.test('[404] an article the caller may not see; [403] one whose comments are closed', async (t) => {
  const before = commentCount().n
  for (const key of [draft.id, draft.slug, scheduled.id, 'no-such-article', 999999]) {
    const r = await submit(key)
    t.equal(r.status, 404, `POST ${key}`)
    t.match(r.headers['content-type'], /^application\/problem\+json/)
    t.equal((await asReader({ url: `/v1/articles/${key}/comments` })).status, 404, `GET ${key}`)
  }
  const shut = await submit(closed.slug)
  t.equal(shut.status, 403)
  t.match(shut.headers['content-type'], /^application\/problem\+json/)
  t.match(shut.json, { status: 403, detail: /closed/ })
  t.equal((await call(app, { method: 'POST', url: `/v1/articles/${closed.id}/comments`, token: editor, payload: submission() })).status, 403, 'closed for editors too')
  t.equal(commentCount().n, before, 'nothing stored')
  t.equal((await asReader({ url: `/v1/articles/${closed.id}/comments` })).status, 200, 'a closed article still lists its comments')
})

t.test('[401] a bad token is refused, never downgraded', async (t) => {
  const r = await submit(open.id, {}, 'not-a-real-token')
  t.equal(r.status, 401)
  t.ok(r.headers['www-authenticate'])
  t.equal((await asReader({ url: `/v1/articles/${open.id}/comments`, token: 'nope' })).status, 401)
})

t.test('[201] the honeypot: a filled `website` gets a plausible answer and is stored as spam, never shown', async (t) => {
  const article = await postArticle(app, admin, { title: 'Honeypot story', authorId: writer.id, status: 'published' })
  const shown = await approved(article.id)
  const bot = await submit(article.id, { website: 'https://cheap-pills.example' })
  t.equal(bot.status, 201)
  t.same(Object.keys(bot.json.data).sort(), ['articleId', 'authorName', 'authorUrl', 'body', 'bodyHtml', 'createdAt', 'id', 'parentId', 'status'])
  t.equal(bot.json.data.status, 'pending', 'the bot is told what a person is told')
  t.equal(bot.headers.location, `/v1/comments/${bot.json.data.id}`)
  t.equal((await moderated(bot.json.data.id)).status, 'spam', 'kept as spam, so an editor can rescue a false positive')
  const list = await asReader({ url: `/v1/articles/${article.id}/comments` })
  t.same(list.json.data.map((c: any) => c.id), [shown])
  t.equal((await articleOf(article.id)).commentCount, 1)
  const person = await submit(article.id, { website: '' })
  t.equal(person.status, 201)
  t.equal((await moderated(person.json.data.id)).status, 'pending', 'an empty honeypot is a person')
  const spec = await (await app.inject('/openapi.json')).json()
  t.match(spec.components.schemas.CommentCreate.properties.website.description, /leave empty; filled in only by bots/i)
})

t.test('[200] lists approved comments only, oldest first, flat, with exactly the public fields', async (t) => {
  const article = await postArticle(app, admin, { title: 'Listing story', authorId: writer.id, status: 'published' })
  const first = await approved(article.id, { authorUrl: 'https://first.example' })
  const reply = await approved(article.id, { parentId: first })
  await submit(article.id)
  const trashed = await approved(article.id)
  await moderate(trashed, { status: 'trash' })
  const last = await approved(article.id)
  const { status, json, headers } = await asReader({ url: `/v1/articles/${article.slug}/comments` })
  t.equal(status, 200)
  t.same(json.data.map((c: any) => c.id), [first, reply, last])
  for (const c of json.data) {
    t.same(Object.keys(c), ['id', 'articleId', 'parentId', 'authorName', 'authorUrl', 'body', 'bodyHtml', 'createdAt'])
  }
  t.match(json.data[0], { articleId: article.id, parentId: null, authorUrl: 'https://first.example' })
  t.equal(json.data[1].parentId, first)
  t.same(json.meta, { page: 1, perPage: 20, total: 3, totalPages: 1, nextCursor: null })
  t.equal(headers['x-total-count'], '3')
  t.ok(headers.etag)
  t.match(headers['cache-control'], /^public/)
  const again = await asReader({ url: `/v1/articles/${article.slug}/comments`, headers: { 'if-none-match': headers.etag as string } })
  t.equal(again.status, 304)
  t.equal((await articleOf(article.id)).commentCount, 3, 'commentCount counts approved comments')
})

t.test('[200] ties in time are ordered by id', async (t) => {
  const article = await postArticle(app, admin, { title: 'Simultaneous', authorId: writer.id, status: 'published' })
  const at = Date.parse('2024-05-01T12:00:00Z')
  const ids = [at + 5, at, at, at, at - 5].map((createdAt, i) => {
    const email = `tie${i}@mail.example`
    emails.add(email)
    return createComment(app.db, article.id, { authorName: `Tie ${i}`, authorEmail: email, body: 'same time' }, { status: 'approved', createdAt }).id
  })
  const { json } = await asReader({ url: `/v1/articles/${article.id}/comments` })
  t.same(json.data.map((c: any) => c.id), [ids[4], ids[1], ids[2], ids[3], ids[0]])
  t.equal(json.data[0].createdAt, '2024-05-01T11:59:59.995Z')
  t.equal((await articleOf(article.id)).commentCount, 5, 'createComment keeps the count in step too')
})

t.test('[200] the public list paginates by page and by cursor, with links, Link and X-Total-Count', async (t) => {
  const article = await postArticle(app, admin, { title: 'Busy thread', authorId: writer.id, status: 'published' })
  const at = Date.parse('2024-06-01T00:00:00Z')
  const ids: number[] = []
  for (let i = 0; i < 7; i++) {
    const email = `busy${i}@mail.example`
    emails.add(email)
    ids.push(createComment(app.db, article.id, { authorName: `Busy ${i}`, authorEmail: email, body: `number ${i}` }, { status: 'approved', createdAt: at + Math.floor(i / 2) * 1000 }).id)
  }
  const base = `/v1/articles/${article.id}/comments`
  const p2 = await asReader({ url: `${base}?perPage=3&page=2` })
  t.same(p2.json.data.map((c: any) => c.id), ids.slice(3, 6))
  t.same(p2.json.meta, { page: 2, perPage: 3, total: 7, totalPages: 3, nextCursor: p2.json.meta.nextCursor })
  t.same(p2.json.links, { self: `${base}?perPage=3&page=2`, first: `${base}?perPage=3`, prev: `${base}?perPage=3`, next: `${base}?perPage=3&page=3`, last: `${base}?perPage=3&page=3` })
  t.equal(p2.headers.link, `<${base}?perPage=3&page=2>; rel="self", <${base}?perPage=3>; rel="first", <${base}?perPage=3>; rel="prev", <${base}?perPage=3&page=3>; rel="next", <${base}?perPage=3&page=3>; rel="last"`)
  t.equal(p2.headers['x-total-count'], '7')
  t.same((await asReader({ url: `${base}?page=9` })).json.data, [], 'a page past the end is empty')

  const seen: number[] = []
  let url: string | null = `${base}?perPage=3`
  let cursors = 0
  while (url) {
    const r = await asReader({ url })
    t.equal(r.status, 200)
    seen.push(...r.json.data.map((c: any) => c.id))
    if (r.json.meta.nextCursor) {
      cursors++
      // A comment approved meanwhile does not disturb the walk (it comes later in time).
      if (cursors === 1) ids.push(await approved(article.id))
    }
    url = r.json.links.next
  }
  t.same(seen, ids, 'every comment once, in order')
  t.equal(cursors, 2)
  t.equal((await asReader({ url: `${base}?cursor=garbage` })).status, 400)
  t.equal((await asReader({ url: `${base}?cursor=${p2.json.meta.nextCursor}&page=2` })).status, 400)
})

t.test('[400] the public list takes page, perPage and cursor only', async (t) => {
  const base = `/v1/articles/${open.id}/comments`
  for (const query of ['sort=-createdAt', 'fields=body', 'status=pending', 'perPage=0', 'perPage=101', 'page=0']) {
    const r = await asReader({ url: `${base}?${query}` })
    t.equal(r.status, 400, query)
    t.match(r.json.errors[0].path, /^\/query\//)
  }
})

t.test('[200] the public list shows approved comments only, to editors as well, and never emails', async (t) => {
  const article = await postArticle(app, admin, { title: 'Mixed statuses', authorId: writer.id, status: 'published' })
  const ok = await approved(article.id)
  await submit(article.id)
  const r = await call(app, { url: `/v1/articles/${article.id}/comments`, token: editor })
  t.same(r.json.data.map((c: any) => c.id), [ok])
  t.notMatch(r.res.body, /"authorEmail":|@mail\.example/)
  t.equal(r.headers['cache-control'], 'private, no-store')
  const draftList = await call(app, { url: `/v1/articles/${draft.id}/comments`, token: editor })
  t.equal(draftList.status, 200, 'editors see the comments of drafts')
  const ownDraft = await asReader({ url: `/v1/articles/${draft.id}/comments`, token: authorKey })
  t.equal(ownDraft.status, 200, 'an author key sees its own draft')
})

t.test('[200] a reply whose parent readers no longer see names its nearest approved ancestor, in the list and the change feed', async (t) => {
  const story = await postArticle(app, admin, { title: 'A thread to prune', authorId: writer.id, status: 'published' })
  const a = await approved(story.id)
  const b = await approved(story.id, { parentId: a })
  const c = await approved(story.id, { parentId: b })
  // The last page of one: c alone, its parent not on the page.
  const publicParents = async (page: number) => Object.fromEntries((await asReader({ url: `/v1/articles/${story.id}/comments?perPage=1&page=${page}` })).json.data.map((x: any) => [x.id, x.parentId]))
  const feedSince = (await asReader({ url: '/v1/changes?since=now' })).json.meta.nextCursor
  const feedParent = async () => {
    const changes = (await asReader({ url: `/v1/changes?since=${feedSince}&perPage=100` })).json.data
    return changes.filter((x: any) => x.resource === 'comment' && x.id === c).at(-1)?.data?.parentId
  }
  t.same(await publicParents(3), { [c]: b }, 'c answers b')
  await moderate(b, { status: 'trash' })
  t.same(await publicParents(2), { [c]: a }, 'b trashed: a')
  t.equal(await feedParent(), a, 'the feed carries c again, with a')
  await moderate(a, { status: 'spam' })
  const [only] = (await asReader({ url: `/v1/articles/${story.id}/comments` })).json.data
  t.same([only.id, only.parentId], [c, null], 'a marked spam too: c shows at the top level')
  t.equal(await feedParent(), null)
  await moderate(b, { status: 'approved' })
  t.equal((await asReader({ url: `/v1/articles/${story.id}/comments` })).json.data.find((x: any) => x.id === c).parentId, b, 'b approved again: b')
  t.equal((await moderated(c)).parentId, b, 'editors always see the parent itself')
  t.equal((await articleOf(story.id)).commentCount, 2)
})

t.test('[200] the spec documents every comment route and every answer', async (t) => {
  const spec = await (await app.inject('/openapi.json')).json()
  const expect: Record<string, [string, string, string[]]> = {
    'get /v1/articles/{key}/comments': ['listArticleComments', '200', ['400', '401', '404']],
    'post /v1/articles/{key}/comments': ['createComment', '201', ['400', '401', '403', '404', '413', '415', '429']],
    'get /v1/comments': ['listComments', '200', ['400', '401', '403']],
    'get /v1/comments/{id}': ['getComment', '200', ['400', '401', '403', '404']],
    'patch /v1/comments/{id}': ['moderateComment', '200', ['400', '401', '403', '404', '412', '413', '415']],
    'delete /v1/comments/{id}': ['deleteComment', '204', ['400', '401', '403', '404', '412', '413', '415']]
  }
  for (const [route, [operationId, success, failures]] of Object.entries(expect)) {
    const [method, path] = route.split(' ')
    const op = spec.paths[path]?.[method]
    t.ok(op, route)
    t.equal(op.operationId, operationId)
    t.same(op.tags, ['comments'])
    t.ok(op.summary)
    // Added to every route by plugins: 304 to GETs (http-cache), 503 to writes (errors);
    // 413, 415 and 501 to every operation that takes a body (swagger, documentSharedBehaviour).
    const implied = method === 'get' ? ['304'] : ['501', '503']
    t.same(Object.keys(op.responses).sort(), [success, ...implied, ...failures].sort(), `${route} responses`)
    for (const status of failures) t.ok(op.responses[status].content['application/problem+json'], `${route} ${status} is a problem`)
    t.same(op.security, path.startsWith('/v1/articles') ? [{}, { bearer: [] }] : [{ bearer: [] }], `${route} security`)
  }
  const post = spec.paths['/v1/articles/{key}/comments'].post
  t.ok(post.responses['429'].headers['retry-after'])
  t.ok(post.responses['201'].headers.location)
  t.notOk(JSON.stringify(spec.components.schemas.Comment).includes('authorEmail'))
  t.notOk(JSON.stringify(spec.components.schemas.SubmittedComment).includes('authorEmail'))
})

t.test('no response to a reader shows an email or the client address', async (t) => {
  t.ok(publicResponses.length > 80, `${publicResponses.length} responses scanned`)
  t.ok(emails.size > 60, `${emails.size} emails`)
  const leaks: string[] = []
  for (const { url, body } of publicResponses) {
    if (/"authorEmail":|127\.0\.0\.1/.test(body)) leaks.push(`${url}: authorEmail or address`)
    for (const email of emails) if (body.includes(email)) leaks.push(`${url}: ${email}`)
  }
  t.same(leaks, [])
  const columns = (app.db.$client.prepare('pragma table_info(comments)').all() as { name: string }[]).map((c) => c.name)
  t.notOk(columns.some((c) => /ip|address|agent/.test(c)), 'the client address is not stored')
})
