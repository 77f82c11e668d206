import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

const app = await build(t)
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const checker = await SpecChecker.of(app)

/** Creates a tag through POST /v1/tags and returns its `data`. */
async function tag (payload: Record<string, unknown>) {
  const { status, json } = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload })
  if (status !== 201) throw new Error(`creating tag failed: ${status} ${JSON.stringify(json)}`)
  return json.data
}

const count = () => (app.db.$client.prepare('select count(*) n from tags').get() as { n: number }).n

const writer = (await call(app, { method: 'POST', url: '/v1/authors', token: admin, payload: { name: 'Tag Writer' } })).json.data
const writerKey = tokenFor(app, 'author', writer.id)

const harbour = await tag({ name: 'Harbour', description: 'The port' })
const elections = await tag({ name: 'Elections' })
const zoe = await tag({ name: 'Zoë’s Column' })
const weather = await tag({ name: 'Weather' })

// Harbour: 3 published + 1 draft; Elections: 1 published; Weather: none.
for (let i = 1; i <= 3; i++) await postArticle(app, admin, { title: `Harbour ${i}`, authorId: writer.id, tagIds: i === 1 ? [harbour.id, elections.id] : [harbour.id], status: 'published' })
await postArticle(app, admin, { title: 'Harbour draft', authorId: writer.id, tagIds: [harbour.id] })

t.test('[201] creates a tag with a slug from the name and a Location', async (t) => {
  const { status, json, headers, res } = await call(app, { method: 'POST', url: '/v1/tags', token: admin, payload: { name: 'Straße & Café!' } })
  t.equal(status, 201)
  t.same(checker.check('POST', '/v1/tags', res), [])
  t.equal(json.data.slug, 'strasse-and-cafe')
  t.equal(json.data.description, null)
  t.equal(headers.location, `/v1/tags/${json.data.id}`)
  t.same(Object.keys(json.data), ['id', 'slug', 'name', 'description', 'articleCount', 'createdAt', 'updatedAt'])
  t.equal(zoe.slug, 'zoes-column')
  const digits = await tag({ name: '2026' })
  t.equal(digits.slug, 'tag-2026', 'a slug has at least one letter')
})

t.test('[201] a colliding name gets -2; [409] an explicit slug that is taken; [400] unknown properties', async (t) => {
  t.equal((await tag({ name: 'Harbour' })).slug, 'harbour-2')
  t.equal((await tag({ name: 'harbour!' })).slug, 'harbour-3')
  const before = count()
  const taken = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Other', slug: 'harbour' } })
  t.equal(taken.status, 409)
  t.equal(taken.json.status, 409)
  for (const [path, payload] of [
    ['/parentId', { name: 'X', parentId: 1 }],
    ['/name', {}],
    ['/name', { name: '' }],
    ['/description', { name: 'X', description: 5 }],
    ['/slug', { name: 'X', slug: '-bad-' }]
  ] as const) {
    const r = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload })
    t.equal(r.status, 400, JSON.stringify(payload))
    t.equal(r.json.errors?.[0]?.path, path)
    t.same(checker.check('POST', '/v1/tags', r.res), [])
  }
  t.equal(count(), before, 'nothing was written')
})

t.test('[401] writes without a token, with WWW-Authenticate: Bearer; [403] for an author key', async (t) => {
  for (const [method, url] of [['POST', '/v1/tags'], ['PATCH', `/v1/tags/${weather.id}`], ['DELETE', `/v1/tags/${weather.id}`]] as const) {
    const anon = await call(app, { method, url, payload: { name: 'Nope' } })
    t.equal(anon.status, 401, `${method} ${url}`)
    t.match(anon.headers['www-authenticate'], /^Bearer/)
    t.same(checker.check(method, url, anon.res), [])
    t.equal((await call(app, { method, url, token: writerKey, payload: { name: 'Nope' } })).status, 403, `${method} ${url} with an author key`)
  }
  t.equal((await call(app, { url: `/v1/tags/${weather.id}` })).json.data.name, 'Weather')
})

t.test('[200] gets one tag by id and by slug; [404] for unknown ones', async (t) => {
  const byId = await call(app, { url: `/v1/tags/${harbour.id}` })
  t.equal(byId.status, 200)
  t.same(checker.check('GET', `/v1/tags/${harbour.id}`, byId.res), [])
  t.equal(byId.json.data.articleCount, 3, 'published articles only')
  t.equal(byId.json.data.description, 'The port')
  const bySlug = await call(app, { url: '/v1/tags/harbour' })
  t.same(bySlug.json.data, byId.json.data)
  t.equal(bySlug.headers.etag, byId.headers.etag)
  t.equal((await call(app, { url: '/v1/tags/99999' })).status, 404)
  t.equal((await call(app, { url: '/v1/tags/no-such-tag' })).status, 404)
})

t.test('[200] lists tags by articleCount', async (t) => {
  const r = await call(app, { url: '/v1/tags?sort=-articleCount&perPage=3' })
  t.equal(r.status, 200)
  t.same(checker.check('GET', '/v1/tags?sort=-articleCount&perPage=3', r.res), [])
  t.same(r.json.data.slice(0, 2).map((x: any) => [x.id, x.articleCount]), [[harbour.id, 3], [elections.id, 1]])
  const all = await call(app, { url: '/v1/tags?sort=articleCount,name&perPage=100&fields=articleCount,name' })
  const counts = all.json.data.map((x: any) => x.articleCount)
  t.same(counts, [...counts].sort((a, b) => a - b))
  for (const item of all.json.data) t.same(Object.keys(item).sort(), ['articleCount', 'id', 'name'])
})

t.test('[200] lists tags by name with pages and cursors', async (t) => {
  const all = await call(app, { url: '/v1/tags?perPage=100' })
  const names = all.json.data.map((x: any) => x.name)
  t.same(names, [...names].sort(), 'by name by default')
  t.equal(all.headers['x-total-count'], String(all.json.meta.total))
  const first = await call(app, { url: '/v1/tags?perPage=2' })
  t.equal(first.json.meta.totalPages, Math.ceil(all.json.meta.total / 2))
  t.equal(first.json.links.last, `/v1/tags?perPage=2&page=${first.json.meta.totalPages}`)
  const seen: number[] = []
  const base = '/v1/tags?perPage=2&sort=-articleCount'
  let url: string | null = base
  while (url) {
    const r: any = await call(app, { url })
    seen.push(...r.json.data.map((x: any) => x.id))
    t.equal(r.json.meta.page, url === base ? 1 : null, 'page mode first, then cursors')
    url = r.json.meta.nextCursor ? `${base}&cursor=${r.json.meta.nextCursor}` : null
  }
  const bySort = await call(app, { url: '/v1/tags?perPage=100&sort=-articleCount' })
  t.same(seen, bySort.json.data.map((x: any) => x.id), 'cursors walk every tag once')
  const cursor = first.json.meta.nextCursor
  t.equal((await call(app, { url: `/v1/tags?cursor=${cursor}&sort=-name` })).status, 400, 'a cursor is tied to its sort')
  t.equal((await call(app, { url: '/v1/tags?sort=description' })).status, 400)
  t.equal((await call(app, { url: '/v1/tags?perPage=101' })).json.errors[0].path, '/query/perPage')
})

t.test('[200] q matches names by word prefix, ignoring case and accents', async (t) => {
  const names = async (q: string) => (await call(app, { url: `/v1/tags?q=${encodeURIComponent(q)}` })).json.data.map((x: any) => x.name)
  t.same(await names('zoe'), ['Zoë’s Column'])
  t.same(await names('ZOË’S COL'), ['Zoë’s Column'])
  t.same(await names('col'), ['Zoë’s Column'])
  t.same(await names('ELECT'), ['Elections'])
  t.same(await names('lections'), [])
  t.same(await names('%'), [])
})

t.test('[200] PATCH renames, keeps the slug, and honours If-Match', async (t) => {
  const read = await call(app, { url: `/v1/tags/${weather.id}`, token: editor })
  const stale = await call(app, { method: 'PATCH', url: `/v1/tags/${weather.id}`, token: editor, headers: { 'if-match': '"stale"' }, payload: { name: 'Climate' } })
  t.equal(stale.status, 412)
  t.same(checker.check('PATCH', `/v1/tags/${weather.id}`, stale.res), [])
  t.equal((await call(app, { url: `/v1/tags/${weather.id}` })).json.data.name, 'Weather', '412 changed nothing')
  const ok = await call(app, { method: 'PATCH', url: `/v1/tags/${weather.id}`, token: editor, headers: { 'if-match': read.headers.etag as string }, payload: { name: 'Climate', description: 'Rain' } })
  t.equal(ok.status, 200)
  t.same(checker.check('PATCH', `/v1/tags/${weather.id}`, ok.res), [])
  t.equal(ok.json.data.name, 'Climate')
  t.equal(ok.json.data.slug, 'weather')
  t.equal(ok.json.data.description, 'Rain')
  t.same((await call(app, { url: '/v1/tags?q=clim' })).json.data.map((x: any) => x.id), [weather.id])
  t.same((await call(app, { url: '/v1/tags?q=weath' })).json.data, [])
  const taken = await call(app, { method: 'PATCH', url: `/v1/tags/${weather.id}`, token: editor, payload: { name: 'Half', slug: 'harbour' } })
  t.equal(taken.status, 409)
  t.equal((await call(app, { url: `/v1/tags/${weather.id}` })).json.data.name, 'Climate', 'a failed PATCH changed nothing')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/tags/${weather.id}`, token: editor, payload: { slug: 'weather' } })).status, 200, 'its own slug is not taken')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/tags/${weather.id}`, token: editor, payload: {} })).status, 400)
  t.equal((await call(app, { method: 'PATCH', url: '/v1/tags/99999', token: editor, payload: { name: 'X' } })).status, 404)
})

t.test('[204] deleting a tag detaches it from its articles', async (t) => {
  const article = await postArticle(app, admin, { title: 'Tagged twice', authorId: writer.id, tagIds: [elections.id, harbour.id], status: 'published' })
  const before = await call(app, { url: `/v1/articles/${article.id}` })
  t.same(before.json.data.tags.map((x: any) => x.id), [elections.id, harbour.id])
  t.equal((await call(app, { url: `/v1/tags/${harbour.id}` })).json.data.articleCount, 4)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/tags/${harbour.id}`, token: editor, headers: { 'if-match': '"stale"' } })).status, 412)
  t.equal((await call(app, { url: `/v1/tags/${harbour.id}` })).status, 200, '412 deleted nothing')
  const del = await call(app, { method: 'DELETE', url: '/v1/tags/harbour', token: editor })
  t.equal(del.status, 204)
  t.same(checker.check('DELETE', '/v1/tags/harbour', del.res), [])
  t.equal((await call(app, { url: `/v1/tags/${harbour.id}` })).status, 404)
  const after = await call(app, { url: `/v1/articles/${article.id}` })
  t.same(after.json.data.tags.map((x: any) => x.id), [elections.id], 'the article no longer has the tag')
  t.ok(Date.parse(after.json.data.updatedAt) > Date.parse(before.json.data.updatedAt), 'the article\'s updatedAt moved on')
  t.equal((await call(app, { url: `/v1/articles?tag=${harbour.id}` })).json.meta.total, 0)
  t.equal((await call(app, { url: `/v1/tags/${elections.id}` })).json.data.articleCount, 2, 'other tags keep their counts')
  t.equal((await call(app, { url: '/v1/articles?perPage=100' })).json.meta.total, 4, 'no article was deleted')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/tags/${harbour.id}`, token: editor })).status, 404)
})

t.test('a tag filter names the tags as they are now: created, renamed or deleted since the last read', async (t) => {
  const byTag = async (key: string) => (await call(app, { url: `/v1/articles?tag=${key}&perPage=100` })).json.meta.total
  t.equal(await byTag('ferries'), 0, 'no such tag yet')
  const created = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Ferries' } })
  t.equal(created.status, 201)
  await postArticle(app, admin, { title: 'Ferry timetable', authorId: writer.id, tagIds: [created.json.data.id], status: 'published' })
  t.equal(await byTag('ferries'), 1)
  const renamed = await call(app, { method: 'PATCH', url: `/v1/tags/${created.json.data.id}`, token: editor, payload: { name: 'Boats', slug: 'boats' } })
  t.equal(renamed.status, 200)
  t.equal(await byTag('ferries'), 0, 'the old slug names nothing')
  t.equal(await byTag('boats'), 1)
  t.equal((await call(app, { method: 'DELETE', url: '/v1/tags/boats', token: editor })).status, 204)
  t.equal(await byTag('boats'), 0)
  t.equal(await byTag(String(created.json.data.id)), 0)
})
