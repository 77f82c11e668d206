/**
 * Two servers on one database file (as WORKERS runs them, or a server beside the CLI):
 * what one writes, the other serves at its next request, though it had cached the
 * counts, the embedded summaries and the responses from before.
 */
import t from 'tap'
import { beforeNextTransaction, call, serversOnOneFile, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'

t.test("a write through one server is served by the other at once, past its caches", async (t) => {
  const [writer, reader] = await serversOnOneFile(t, {}, { responseCacheBytes: 1024 * 1024 })

  const editor = tokenFor(writer, 'editor')
  const author = insertAuthor(writer, 'Shared Writer')
  const tag = insertTag(writer, 'Harbour')
  const news = insertCategory(writer, 'News')
  const first = await postArticle(writer, editor, { title: 'First', authorId: author.id, status: 'published', tagIds: [tag.id], categoryIds: [news.id] })

  const read = async (url: string) => {
    const { status, json, headers } = await call(reader, { url })
    t.equal(status, 200, url)
    return { json, headers }
  }
  // Each read twice: the second comes from what the reader now holds (counts, summaries, responses).
  const readAll = async () => {
    const urls = { list: '/v1/articles', byTag: '/v1/articles?tag=harbour', byCategory: '/v1/articles?category=news', tags: '/v1/tags?sort=-articleCount', article: `/v1/articles/${first.slug}` }
    const out: Record<string, Awaited<ReturnType<typeof read>>> = {}
    for (const [name, url] of Object.entries(urls)) {
      await read(url)
      out[name] = await read(url)
    }
    return out
  }
  const before = await readAll()
  t.equal(before.list.json.meta.total, 1, 'before: the list count')
  t.equal(before.byTag.json.meta.total, 1, 'before: the tag filter\'s count')
  t.equal(before.byCategory.json.meta.total, 1, 'before: the category filter\'s count')
  t.equal(before.tags.json.data[0].articleCount, 1, 'before: the tag\'s article count')
  t.equal(before.article.json.data.tags[0].name, 'Harbour', 'before: the embedded tag summary')

  await postArticle(writer, editor, { title: 'Second', authorId: author.id, status: 'published', tagIds: [tag.id], categoryIds: [news.id] })
  t.equal((await call(writer, { method: 'PATCH', url: `/v1/tags/${tag.id}`, token: editor, payload: { name: 'Harbour News' } })).status, 200)

  const after = await readAll()
  t.equal(after.list.json.meta.total, 2, 'the list count')
  t.same(after.list.json.data.map((a: any) => a.title), ['Second', 'First'], 'the list')
  t.equal(after.byTag.json.meta.total, 2, 'the tag filter\'s count')
  t.equal(after.byCategory.json.meta.total, 2, 'the category filter\'s count')
  t.equal(after.tags.json.data[0].articleCount, 2, 'the tag\'s article count')
  t.equal(after.article.json.data.tags[0].name, 'Harbour News', 'the embedded tag summary')
  t.not(after.article.headers.etag, before.article.headers.etag, 'a new ETag for the changed article')

  // A change made with no server at all (a sqlite3 shell, a script) is noticed the same way.
  const outside = (await import('better-sqlite3')).default
  const shell = new outside(writer.config.databasePath)
  shell.prepare('update categories set name = ? where id = ?').run('World News', news.id)
  t.equal((await read(`/v1/articles/${first.slug}`)).json.data.categories[0].name, 'World News', 'an edit from a shell')
  t.equal((await read(`/v1/articles/${first.slug}`)).json.data.author.bio, null, 'the author\'s profile, now held')
  shell.prepare('update authors set bio = ? where id = ?').run('Writes from the quay.', author.id)
  shell.close()
  t.equal((await read(`/v1/articles/${first.slug}`)).json.data.author.bio, 'Writes from the quay.', 'a profile edit from a shell')
})

t.test('a write that finds another process holding the write lock past the busy timeout is a 503 with Retry-After, and changes nothing', async (t) => {
  const [app] = await serversOnOneFile(t, {})
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Patient Writer')
  app.db.$client.pragma('busy_timeout = 100')

  const Database = (await import('better-sqlite3')).default
  const other = new Database(app.config.databasePath)
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const { status, json, headers } = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Held Up', authorId: author.id, status: 'published' } })
  t.equal(status, 503)
  t.equal(headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(headers['retry-after'], '1')
  t.match(json.detail, /busy/)
  other.exec('ROLLBACK')

  t.equal((await call(app, { url: '/v1/articles?status=any', token: editor })).json.meta.total, 0, 'nothing was written')
  t.equal((await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Held Up', authorId: author.id, status: 'published' } })).status, 201, 'once the lock is gone the same write succeeds')
})

t.test('a commit from elsewhere between a request\'s check for one and its page read cannot misplace a deep page', async (t) => {
  const [reader] = await serversOnOneFile(t, { responseCacheBytes: 0 })
  const editor = tokenFor(reader, 'editor')
  const author = insertAuthor(reader, 'Marked Writer')
  const posted: any[] = []
  for (let i = 1; i <= 14; i++) posted.push(await postArticle(reader, editor, { title: `Story ${i}`, authorId: author.id, status: 'published', publishedAt: new Date(Date.now() - i * 3600_000).toISOString() }))
  const ids = async (url: string) => (await call(reader, { url })).json.data.map((a: any) => a.id)
  await ids('/v1/articles?perPage=4&page=3') // leaves marks where pages 3 and 4 start

  // The server asks SQLite whether another connection committed as each request arrives
  // (data_version, a statement of its own). The commit lands after that, as the page read
  // asks again.
  const shell = new (await import('better-sqlite3')).default(reader.config.databasePath)
  t.teardown(() => shell.close())
  shell.pragma('foreign_keys = ON')
  const client = reader.db.$client
  const prepare = client.prepare.bind(client)
  let asked = 0
  client.prepare = ((sql: string) => {
    if (sql === 'PRAGMA data_version' && ++asked === 1) shell.prepare('delete from articles where id = ?').run(posted[0].id)
    return prepare(sql)
  }) as typeof client.prepare
  const page = await ids('/v1/articles?perPage=4&page=3')
  client.prepare = prepare
  t.equal(asked, 1, 'the page read asked again')
  t.same(page, posted.slice(9, 13).map((a: any) => a.id), 'page 3 of the list without the deleted article')
})

t.test('a commit from elsewhere between a request\'s check for one and its write lock is seen by the If-Match check', async (t) => {
  // No background jobs: a commit of theirs before the PATCH would clear the caches anyway.
  const quiet = { responseCacheBytes: 0, backgroundJobs: false }
  const [app, other] = await serversOnOneFile(t, quiet, quiet)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Quay Writer')
  const article = await postArticle(app, editor, { title: 'Tides', authorId: author.id, status: 'published' })
  const shell = new (await import('better-sqlite3')).default(app.config.databasePath)
  t.teardown(() => shell.close())
  const setBio = (bio: string | null) => shell.prepare('update authors set bio = ? where id = ?').run(bio, author.id)
  const etagOf = async (server: typeof app) => (await call(server, { url: `/v1/articles/${article.id}` })).headers.etag as string

  // The ETag another worker gives once the bio has changed, then the bio as it was.
  setBio('Writes from the quay.')
  const current = await etagOf(other)
  setBio(null)
  const old = await etagOf(app)
  t.not(old, current, 'the bio is part of the article\'s bytes')

  // Sets the bio from the shell as this server's next transaction begins: after the
  // request's check for other writers, before its write lock. Says whether it did.
  const bioInTheGap = (bio: string) => beforeNextTransaction(app, () => setBio(bio))

  const changed = bioInTheGap('Writes from the quay.')
  const patched = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, headers: { 'if-match': current }, payload: { title: 'Tides today' } })
  t.equal(patched.status, 200, 'the current ETag matches')
  t.equal(patched.json.data.author.bio, 'Writes from the quay.', 'and the response shows the bio')
  t.ok(changed(), 'the commit landed in the gap')

  // And the other way: an ETag read from this server just before another process's
  // commit must not let a write through over it.
  const before = await etagOf(app)
  const moved = bioInTheGap('Moved inland.')
  const refused = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, headers: { 'if-match': before }, payload: { title: 'Tides tomorrow' } })
  t.ok(moved(), 'the commit landed in the gap')
  t.equal(refused.status, 412, 'an ETag from before that commit does not match')
  t.equal((await call(app, { url: `/v1/articles/${article.id}` })).json.data.title, 'Tides today', 'and nothing was written')
})

t.test('a change feed page reads one snapshot: a commit landing during the read is returned next time, not skipped', async (t) => {
  const [writer, reader] = await serversOnOneFile(t, {}, {})
  const editor = tokenFor(writer, 'editor')
  insertTag(writer, 'Before')

  const feed = async (since?: string) => (await call(reader, { url: `/v1/changes?perPage=500${since ? `&since=${since}` : ''}`, token: editor })).json
  let page = await feed()
  while (page.meta.hasMore) page = await feed(page.meta.nextCursor)
  const caughtUp = page.meta.nextCursor

  // The other server commits a tag as the reader builds its next statement after the page's.
  const select = reader.db.select.bind(reader.db)
  let selects = 0
  let landed = false
  reader.db.select = ((...args: Parameters<typeof select>) => {
    if (++selects === 3) {
      reader.db.select = select
      insertTag(writer, 'During')
      landed = true
    }
    return select(...args)
  }) as typeof select
  const during = await feed(caughtUp)
  t.ok(landed, 'the commit landed after the page was read')
  t.same(during.data, [], 'the page was read before it')
  const after = await feed(during.meta.nextCursor)
  t.same(after.data.map((c: { resource: string, data?: { name: string } }) => [c.resource, c.data?.name]), [['tag', 'During']], 'the next call returns it')
})

t.test('a PATCH body rendered before the write lock is rendered again if another process changed the body meanwhile', async (t) => {
  const [app, other] = await serversOnOneFile(t, {}, {})
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Early Writer')
  const article = await postArticle(app, editor, { title: 'Early', authorId: author.id, body: '*first*' })

  // The other server's PATCH of the body lands as this server's write transaction begins.
  const landed = beforeNextTransaction(app, () => other.db.$client.prepare('update article_bodies set body = ? where article_id = ?').run('<em>second</em>', article.id))
  const patched = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { bodyFormat: 'html' } })
  t.ok(landed(), 'the other write landed in the gap')
  t.equal(patched.status, 200)
  t.equal(patched.json.data.bodyHtml, '<em>second</em>', 'the body as it is under the lock, rendered as HTML')
})
