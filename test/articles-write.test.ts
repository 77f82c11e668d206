import t from 'tap'
import { articles, articleTags, tags } from '../src/db/schema.js'
import { eq } from 'drizzle-orm'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'

const app = await build(t)
const editor = tokenFor(app, 'editor')
const ann = insertAuthor(app, 'Ann')
const bob = insertAuthor(app, 'Bob')
const annKey = tokenFor(app, 'author', ann.id)
const news = insertCategory(app, 'News')
const harbour = insertTag(app, 'Harbour')
const count = () => app.db.$client.prepare('select count(*) n from articles').get() as { n: number }

t.test('[201] creates an article with a slug from the title, a Location and the rendered body', async (t) => {
  const { status, json, headers } = await call(app, {
    method: 'POST', url: '/v1/articles', token: editor,
    payload: { title: 'Trump, Takaichi sign rare earth deal vs China', body: '# Title\n\n## Deal\n\nText <script>alert(1)</script>', authorId: ann.id, categoryIds: [news.id], tagIds: [harbour.id] }
  })
  t.equal(status, 201)
  t.equal(json.data.slug, 'trump-takaichi-sign-rare-earth-deal-vs-china')
  t.equal(headers.location, `/v1/articles/${json.data.id}`)
  t.equal(json.data.status, 'draft')
  t.equal(json.data.bodyFormat, 'markdown')
  t.notMatch(json.data.bodyHtml, /<script/)
  t.same(json.data.toc.map((e: any) => e.id), ['title', 'deal'])
  t.equal(json.data.excerpt.startsWith('Title Deal Text'), true)
  t.ok(headers.etag)
  const again = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Trump, Takaichi sign rare earth deal vs China', authorId: ann.id } })
  t.equal(again.json.data.slug, 'trump-takaichi-sign-rare-earth-deal-vs-china-2')
  const third = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Trump, Takaichi sign rare earth deal vs China!', authorId: ann.id } })
  t.equal(third.json.data.slug, 'trump-takaichi-sign-rare-earth-deal-vs-china-3')
  const accents = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Café déjà vu: Zoë’s Straße', authorId: ann.id } })
  t.equal(accents.json.data.slug, 'cafe-deja-vu-zoes-strasse')
})

t.test('[201] featuredImage, seo, featured and the links are stored as given and read back the same', async (t) => {
  const featuredImage = { url: 'https://img.example/ferry.jpg', alt: 'The ferry "Hebrides"', caption: null }
  const seo = { title: 'Ferry — the full story', description: null, canonicalUrl: 'https://example.com/ferry' }
  const second = insertTag(app, 'Ferries')
  const created = await call(app, {
    method: 'POST', url: '/v1/articles', token: editor,
    payload: { title: 'Ferry image', authorId: ann.id, featuredImage, seo, featured: true, tagIds: [second.id, harbour.id], categoryIds: [news.id] }
  })
  t.equal(created.status, 201)
  const read = await call(app, { url: `/v1/articles/${created.json.data.id}`, token: editor })
  for (const data of [created.json.data, read.json.data]) {
    t.same(data.featuredImage, featuredImage)
    t.same(data.seo, seo)
    t.equal(data.featured, true)
    t.same(data.tags.map((tag: any) => tag.id), [second.id, harbour.id], 'tags in the order given')
  }
  // Stored as Drizzle stores them: JSON text and 0/1, so older rows and new ones read alike.
  const row = app.db.$client.prepare('select featured_image, seo, featured, tag_ids, comment_count from articles where id = ?').get(created.json.data.id) as any
  t.same(JSON.parse(row.featured_image), featuredImage)
  t.same(JSON.parse(row.seo), seo)
  t.equal(row.featured, 1)
  t.equal(row.tag_ids, `${second.id},${harbour.id}`)
  t.equal(row.comment_count, 0, 'a column left out takes its default')
  const stored = app.db.select().from(articles).where(eq(articles.id, created.json.data.id)).get()
  t.same(stored?.featuredImage, featuredImage, 'Drizzle reads the row back the same')
  const plain = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'No image', authorId: ann.id } })
  t.equal(plain.json.data.featuredImage, null)
  t.same(plain.json.data.seo, { title: null, description: null, canonicalUrl: null })
  t.equal(plain.json.data.featured, false)
})

t.test('[409] an explicit slug that is taken; [400] references to nothing, naming the field', async (t) => {
  const before = count().n
  const taken = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'X', slug: 'trump-takaichi-sign-rare-earth-deal-vs-china', authorId: ann.id } })
  t.equal(taken.status, 409)
  for (const [field, payload] of [
    ['/authorId', { title: 'X', authorId: 9999 }],
    ['/categoryIds', { title: 'X', authorId: ann.id, categoryIds: [news.id, 9999] }],
    ['/tagIds', { title: 'X', authorId: ann.id, tagIds: [9999] }],
    ['/authorId', { title: 'X' }],
    ['/title', { authorId: ann.id }],
    ['/color', { title: 'X', authorId: ann.id, color: 'red' }],
    ['/featured', { title: 'X', authorId: ann.id, featured: 'yes' }],
    ['/slug', { title: 'X', authorId: ann.id, slug: 'Not A Slug' }],
    ['/slug', { title: 'X', authorId: ann.id, slug: '2024' }],
    ['/publishedAt', { title: 'X', authorId: ann.id, status: 'scheduled' }],
    ['/publishedAt', { title: 'X', authorId: ann.id, status: 'scheduled', publishedAt: '2001-01-01T00:00:00Z' }]
  ] as const) {
    const r = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload })
    t.equal(r.status, 400, `${field}: ${JSON.stringify(payload)}`)
    t.equal(r.json.errors?.[0]?.path, field)
  }
  t.equal(count().n, before, 'nothing was written')
})

t.test('[400/413/415] malformed bodies are problems and change nothing', async (t) => {
  const before = count().n
  const notJson = await call(app, { method: 'POST', url: '/v1/articles', token: editor, headers: { 'content-type': 'application/json' }, payload: '{"title": ' })
  t.equal(notJson.status, 400)
  t.equal(notJson.headers['content-type'], 'application/problem+json; charset=utf-8')
  const text = await call(app, { method: 'POST', url: '/v1/articles', token: editor, headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.status, 415)
  const huge = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title: 'Big', authorId: ann.id, body: 'x'.repeat(1024 * 1024 + 10) } })
  t.equal(huge.status, 413)
  t.equal(huge.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(count().n, before)
})

t.test('[400] a body nesting elements too deeply, on create and on PATCH, changes nothing', async (t) => {
  const before = count().n
  const deep = '<b>'.repeat(100_000) + 'x'
  const created = await call(app, { method: 'POST', url: '/v1/articles', token: annKey, payload: { title: 'Deep', body: deep, bodyFormat: 'html' } })
  t.equal(created.status, 400)
  t.equal(created.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.same(created.json.errors, [{ path: '/body', message: 'nests elements more than 256 deep' }])
  t.equal(count().n, before)
  const article = await postArticle(app, annKey, { title: 'Shallow', body: 'fine' })
  for (const payload of [{ body: deep }, { body: '<h2>'.repeat(12_000), bodyFormat: 'html' }]) {
    const patched = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: annKey, payload })
    t.equal(patched.status, 400)
    t.equal(patched.json.errors[0].path, '/body')
  }
  const read = await call(app, { url: `/v1/articles/${article.id}`, token: annKey })
  t.equal(read.json.data.body, 'fine')
  t.equal(read.json.data.updatedAt, article.updatedAt)
})

t.test('a body too deep is checked after the article, the key and If-Match: 404, 403 and 412 come first', async (t) => {
  const deep = '<b>'.repeat(1_000) + 'x'
  const bobs = await postArticle(app, editor, { title: 'Bob\'s piece', authorId: bob.id, status: 'published' })
  const missing = await call(app, { method: 'PATCH', url: '/v1/articles/999999', token: annKey, payload: { body: deep, bodyFormat: 'html' } })
  t.equal(missing.status, 404)
  const others = await call(app, { method: 'PATCH', url: `/v1/articles/${bobs.id}`, token: annKey, payload: { body: deep, bodyFormat: 'html' } })
  t.equal(others.status, 403)
  const stale = await call(app, { method: 'PATCH', url: `/v1/articles/${bobs.id}`, token: editor, headers: { 'if-match': '"stale"' }, payload: { body: deep, bodyFormat: 'html' } })
  t.equal(stale.status, 412)
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${bobs.id}`, token: editor, payload: { body: deep, bodyFormat: 'html' } })).status, 400)
  const own = await postArticle(app, annKey, { title: 'Ann\'s piece' })
  const handedOver = await call(app, { method: 'PATCH', url: `/v1/articles/${own.id}`, token: annKey, payload: { authorId: bob.id, body: deep, bodyFormat: 'html' } })
  t.equal(handedOver.status, 403, 'an author key giving its article away: 403 first')
})

t.test('an excerpt-only PATCH leaves the body unrendered: a stored body the pipeline would now refuse does not block it', async (t) => {
  const article = await postArticle(app, editor, { title: 'Legacy deep', authorId: ann.id, body: 'Some words here.' })
  app.db.$client.prepare('update article_bodies set body = ? where article_id = ?').run('<b>'.repeat(300) + 'x', article.id)
  const custom = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { excerpt: 'New excerpt' } })
  t.equal(custom.status, 200)
  t.equal(custom.json.data.excerpt, 'New excerpt')
  const derived = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { excerpt: null } })
  t.equal(derived.json.data.excerpt, 'Some words here.', 'null derives it again from the stored text')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { title: 'Legacy deep, retitled' } })).status, 200)
})

t.test('PATCH renders a new body, and a format change alone re-renders the stored body', async (t) => {
  const article = await postArticle(app, annKey, { title: 'Formats', body: '## Head\n\n*x*' })
  const html = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: annKey, payload: { bodyFormat: 'html' } })
  t.equal(html.status, 200)
  t.equal(html.json.data.bodyHtml, '## Head\n\n*x*')
  const back = await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: annKey, payload: { body: '# New', bodyFormat: 'markdown' } })
  t.equal(back.json.data.bodyHtml, '<h1 id="new">New</h1>\n')
  t.same(back.json.data.toc, [{ id: 'new', text: 'New', level: 1 }])
})

t.test('PATCH seo keeps the fields it leaves out; null clears one, or all', async (t) => {
  const article = await postArticle(app, editor, { title: 'Seo merge', authorId: ann.id, seo: { title: 'T', description: 'D', canonicalUrl: 'https://example.com/c' } })
  const patch = async (seo: unknown) => (await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { seo } })).json.data.seo
  t.same(await patch({ title: 'T2' }), { title: 'T2', description: 'D', canonicalUrl: 'https://example.com/c' }, 'only the title changes')
  t.same(await patch({ description: null }), { title: 'T2', description: null, canonicalUrl: 'https://example.com/c' }, 'null clears one field')
  t.same(await patch(null), { title: null, description: null, canonicalUrl: null }, 'seo: null clears them all')
  t.same(await patch({ canonicalUrl: 'https://example.com/d' }), { title: null, description: null, canonicalUrl: 'https://example.com/d' })
})

t.test('[400] a title with nothing but spaces, on create and on PATCH', async (t) => {
  const before = count().n
  for (const title of ['   ', '\t\n']) {
    const created = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title, authorId: ann.id } })
    t.equal(created.status, 400)
    t.equal(created.json.errors[0].path, '/title')
  }
  t.equal(count().n, before)
  const article = await postArticle(app, editor, { title: ' Padded ', authorId: ann.id })
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { title: ' ' } })).status, 400)
})

t.test('status workflow', async (t) => {
  const published = await postArticle(app, editor, { title: 'Now', authorId: ann.id, status: 'published', tagIds: [harbour.id] })
  t.equal(published.status, 'published')
  t.ok(Math.abs(Date.parse(published.publishedAt) - Date.now()) < 5000, 'published without publishedAt takes now')
  const future = new Date(Date.now() + 700).toISOString()
  const scheduled = await postArticle(app, editor, { title: 'Later', authorId: ann.id, status: 'scheduled', publishedAt: future, tagIds: [harbour.id] })
  t.equal(scheduled.status, 'scheduled')
  const tagCount = () => app.db.select({ n: tags.articleCount }).from(tags).where(eq(tags.id, harbour.id)).get()!.n
  t.equal(tagCount(), 1)
  // The scheduler turns it published within a second of its time, with no request.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(app.db.select({ s: articles.status }).from(articles).where(eq(articles.id, scheduled.id)).get()!.s, 'published')
  t.equal(tagCount(), 2, 'counts follow the scheduler')
  const futurePublished = await postArticle(app, editor, { title: 'Published in the future', authorId: ann.id, status: 'published', publishedAt: new Date(Date.now() + 86400_000).toISOString() })
  t.equal(futurePublished.status, 'scheduled', 'published with a future time is scheduled')
  const archived = await call(app, { method: 'PATCH', url: `/v1/articles/${published.id}`, token: editor, payload: { status: 'archived' } })
  t.equal(archived.json.data.status, 'archived')
  t.equal((await call(app, { url: `/v1/articles/${published.id}` })).status, 404, 'archived is hidden from the public')
  t.equal(tagCount(), 1)
  const back = await call(app, { method: 'PATCH', url: `/v1/articles/${published.id}`, token: editor, payload: { status: 'published' } })
  t.equal(back.json.data.status, 'published')
  t.equal(back.json.data.publishedAt, published.publishedAt, 'republishing keeps the original time')
})

t.test('after a restart, overdue scheduled articles publish at once', async (t) => {
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const path = join(mkdtempSync(join(tmpdir(), 'bs-')), 'db.sqlite')
  const first = await build(t, { databasePath: path })
  const token = tokenFor(first, 'editor')
  const author = insertAuthor(first, 'Restart Author')
  const a = await postArticle(first, token, { title: 'Overdue', authorId: author.id, status: 'scheduled', publishedAt: new Date(Date.now() + 200).toISOString() })
  await first.close()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const second = await build(t, { databasePath: path })
  t.equal(second.db.select({ s: articles.status }).from(articles).where(eq(articles.id, a.id)).get()!.s, 'published')
})

t.test('PATCH and DELETE with ETags and If-Match', async (t) => {
  const a = await postArticle(app, editor, { title: 'Editable', authorId: ann.id, status: 'published', tagIds: [harbour.id] })
  const read = await call(app, { url: `/v1/articles/${a.id}`, token: editor })
  const etag = read.headers.etag as string
  const stale = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, headers: { 'if-match': '"nope"' }, payload: { title: 'Changed' } })
  t.equal(stale.status, 412)
  t.equal((await call(app, { url: `/v1/articles/${a.id}` })).json.data.title, 'Editable', '412 changed nothing')
  const ok = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, headers: { 'if-match': etag }, payload: { title: 'Changed', body: '## New heading' } })
  t.equal(ok.status, 200)
  t.equal(ok.json.data.title, 'Changed')
  t.equal(ok.json.data.slug, a.slug, 'the slug stays when the title changes')
  t.same(ok.json.data.toc, [{ id: 'new-heading', text: 'New heading', level: 2 }])
  t.not(ok.headers.etag, etag, 'the ETag changes with the resource')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}`, token: editor, headers: { 'if-match': etag } })).status, 412)
  const badPatch = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: { title: 'Half', tagIds: [9999] } })
  t.equal(badPatch.status, 400)
  t.equal((await call(app, { url: `/v1/articles/${a.id}` })).json.data.title, 'Changed', 'a failed PATCH changed nothing')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: {} })).status, 400)
  const del = await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}`, token: editor, headers: { 'if-match': ok.headers.etag as string } })
  t.equal(del.status, 204)
  t.equal(del.res.body, '')
  t.equal((await call(app, { url: `/v1/articles/${a.id}`, token: editor })).status, 404)
  t.equal(app.db.select().from(articleTags).where(eq(articleTags.articleId, a.id)).all().length, 0)
})

t.test('HTML bodies are sanitized', async (t) => {
  const a = await postArticle(app, editor, { title: 'Html', authorId: ann.id, bodyFormat: 'html', body: '<h2 onclick="x()">Hi</h2><p><a href="javascript:alert(1)">x</a><iframe src="https://evil.example/"></iframe><style>p{}</style></p>' })
  const { json } = await call(app, { url: `/v1/articles/${a.id}`, token: editor })
  t.equal(json.data.bodyFormat, 'html')
  t.notMatch(json.data.bodyHtml, /onclick|javascript:|<iframe|<style/)
  t.match(json.data.bodyHtml, /<h2 id="hi">Hi<\/h2>/)
})

t.test('drafts: editors read them with the status filter, author keys only their own', async (t) => {
  const annDraft = await postArticle(app, annKey, { title: 'Ann draft' })
  t.equal(annDraft.author.id, ann.id, 'an author key writes as its author')
  const bobDraft = await postArticle(app, editor, { title: 'Bob draft', authorId: bob.id })
  const asEditor = await call(app, { url: '/v1/articles?status=draft&perPage=100', token: editor })
  t.ok(asEditor.json.data.some((a: any) => a.id === bobDraft.id))
  t.equal(asEditor.headers['cache-control'], 'private, no-store')
  const asAnn = await call(app, { url: '/v1/articles?status=draft&perPage=100', token: annKey })
  t.ok(asAnn.json.data.some((a: any) => a.id === annDraft.id))
  t.notOk(asAnn.json.data.some((a: any) => a.id === bobDraft.id))
  t.equal((await call(app, { url: `/v1/articles/${bobDraft.id}`, token: annKey })).status, 404)
  t.equal((await call(app, { url: `/v1/articles/${annDraft.id}`, token: annKey })).status, 200)
  t.equal((await call(app, { method: 'POST', url: '/v1/articles', token: annKey, payload: { title: 'As Bob', authorId: bob.id } })).status, 403)
  const any = await call(app, { url: '/v1/articles?status=any&perPage=100', token: editor })
  t.ok(any.json.meta.total > asEditor.json.meta.total)
  t.equal(any.json.meta.total, count().n, 'status=any (no filter at all) counts every article')
})

t.test('[401] bad tokens, on reads too, with WWW-Authenticate', async (t) => {
  for (const headers of [{ authorization: 'Bearer nope' }, { authorization: 'Basic abc' }, { authorization: 'Bearer ' }]) {
    const r = await call(app, { url: '/v1/articles', headers })
    t.equal(r.status, 401, JSON.stringify(headers))
    t.match(r.headers['www-authenticate'], /^Bearer/)
  }
  const anon = await call(app, { method: 'POST', url: '/v1/articles', payload: { title: 'x' } })
  t.equal(anon.status, 401)
  t.match(anon.headers['www-authenticate'], /^Bearer/)
})

t.test('[201] a long title\'s slug is cut at a hyphen within 120 characters, and its -2 too; apostrophes join a word', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const ann = insertAuthor(app, 'Long Titles')
  const title = 'Scientists say newly discovered deep sea species could rewrite what we know about life in the most isolated corners of the planet, researchers report'
  const pattern = /^[a-z0-9]+(-[a-z0-9]+)*$/
  for (const expected of ['', '-2']) {
    const created = await call(app, { method: 'POST', url: '/v1/articles', token: editor, payload: { title, authorId: ann.id, status: 'published' } })
    const slug: string = created.json.data.slug
    t.match(slug, pattern, `${slug} is a valid slug`)
    t.ok(slug.length <= 120, `${slug.length} characters`)
    t.ok(slug.startsWith('scientists-say-newly') && slug.endsWith(`isolated-corners${expected}`), 'cut at a word, the suffix after it')
    t.equal((await call(app, { url: `/v1/articles/${slug}` })).json.data.id, created.json.data.id, 'and reachable by it')
  }
  for (const name of ['abc '.repeat(40), Array.from({ length: 32 }, (_, i) => 1999 + i).join(' ') + ' and beyond', '1234567890'.repeat(13) + ' z']) {
    const tag = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name } })
    t.match(tag.json.data.slug, /^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/, `${tag.json.data.slug}: a slug with a letter`)
    t.equal((await call(app, { url: `/v1/tags/${tag.json.data.slug}` })).json.data.id, tag.json.data.id, 'reachable by it')
  }
  for (const [name, slug] of [["O'Brien", 'obrien'], ['Zoë’s', 'zoes'], ["Rock 'n' roll", 'rock-n-roll']]) {
    t.equal((await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name } })).json.data.slug, slug, name)
  }
})
