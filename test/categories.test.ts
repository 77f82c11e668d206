import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

const app = await build(t)
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const checker = await SpecChecker.of(app)

/** Creates a category through POST /v1/categories and returns its `data`. */
async function category (payload: Record<string, unknown>) {
  const { status, json } = await call(app, { method: 'POST', url: '/v1/categories', token: editor, payload })
  if (status !== 201) throw new Error(`creating category failed: ${status} ${JSON.stringify(json)}`)
  return json.data
}

const count = () => (app.db.$client.prepare('select count(*) n from categories').get() as { n: number }).n
const parentOf = async (id: number) => (await call(app, { url: `/v1/categories/${id}` })).json.data.parentId

const authorRes = await call(app, { method: 'POST', url: '/v1/authors', token: admin, payload: { name: 'Cat Writer' } })
const writer = authorRes.json.data
const writerKey = tokenFor(app, 'author', writer.id)

// News > Local > Harbour; Sport at the root.
const news = await category({ name: 'News', description: 'All the news' })
const local = await category({ name: 'Local', parentId: news.id })
const harbour = await category({ name: 'Harbour Front', parentId: local.id })
const sport = await category({ name: 'Sport' })
const cafe = await category({ name: 'Café Society', parentId: news.id })

t.test('[201] creates a category with a slug from the name, a Location and its parent', async (t) => {
  const { status, json, headers, res } = await call(app, { method: 'POST', url: '/v1/categories', token: admin, payload: { name: 'Élections 2026', parentId: harbour.id, description: 'Votes' } })
  t.equal(status, 201)
  t.same(checker.check('POST', '/v1/categories', res), [])
  t.equal(json.data.slug, 'elections-2026')
  t.equal(json.data.parentId, harbour.id)
  t.equal(json.data.description, 'Votes')
  t.equal(json.data.articleCount, 0)
  t.equal(headers.location, `/v1/categories/${json.data.id}`)
  t.same(Object.keys(json.data), ['id', 'slug', 'name', 'description', 'parentId', 'articleCount', 'createdAt', 'updatedAt'])
  t.equal(news.parentId, null)
})

t.test('[201] a colliding name gets -2; [409] an explicit slug that is taken; [400] unknown parent or property', async (t) => {
  const again = await category({ name: 'News' })
  t.equal(again.slug, 'news-2')
  const before = count()
  const taken = await call(app, { method: 'POST', url: '/v1/categories', token: editor, payload: { name: 'Other', slug: 'sport' } })
  t.equal(taken.status, 409)
  t.same(checker.check('POST', '/v1/categories', taken.res), [])
  for (const [path, payload] of [
    ['/parentId', { name: 'Orphan', parentId: 99999 }],
    ['/color', { name: 'X', color: 'red' }],
    ['/name', { description: 'no name' }],
    ['/name', { name: '   ' }],
    ['/parentId', { name: 'X', parentId: 'news' }]
  ] as const) {
    const r = await call(app, { method: 'POST', url: '/v1/categories', token: editor, payload })
    t.equal(r.status, 400, JSON.stringify(payload))
    t.equal(r.json.errors?.[0]?.path, path)
  }
  t.equal(count(), before, 'nothing was written')
})

t.test('[401] writes without a token, with WWW-Authenticate: Bearer; [403] for an author key', async (t) => {
  for (const [method, url] of [['POST', '/v1/categories'], ['PATCH', `/v1/categories/${news.id}`], ['DELETE', `/v1/categories/${news.id}`]] as const) {
    const anon = await call(app, { method, url, payload: { name: 'Nope' } })
    t.equal(anon.status, 401, `${method} ${url}`)
    t.match(anon.headers['www-authenticate'], /^Bearer/)
    const asAuthor = await call(app, { method, url, token: writerKey, payload: { name: 'Nope' } })
    t.equal(asAuthor.status, 403, `${method} ${url} with an author key`)
    t.same(checker.check(method, url, asAuthor.res), [])
  }
  t.equal((await call(app, { url: `/v1/categories/${news.id}` })).json.data.name, 'News')
})

t.test('[200] gets one category by id and by slug; [404] for unknown ones', async (t) => {
  const byId = await call(app, { url: `/v1/categories/${local.id}` })
  t.equal(byId.status, 200)
  t.same(checker.check('GET', `/v1/categories/${local.id}`, byId.res), [])
  t.equal(byId.json.data.parentId, news.id)
  t.ok(byId.headers.etag)
  const bySlug = await call(app, { url: '/v1/categories/local' })
  t.same(bySlug.json.data, byId.json.data)
  t.equal((await call(app, { url: '/v1/categories/99999' })).status, 404)
  const missing = await call(app, { url: '/v1/categories/no-such-category' })
  t.equal(missing.status, 404)
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8')
})

t.test('[200] filters by parent: id, slug and root', async (t) => {
  const ids = async (query: string) => (await call(app, { url: `/v1/categories?${query}&perPage=100` })).json.data.map((c: any) => c.id)
  t.same(await ids(`parent=${news.id}`), [cafe.id, local.id], 'children by name')
  t.same(await ids('parent=local'), [harbour.id])
  t.same((await call(app, { url: '/v1/categories?parent=harbour-front' })).json.data.map((c: any) => c.name), ['Élections 2026'])
  const roots = await ids('parent=root')
  t.ok(roots.includes(news.id) && roots.includes(sport.id))
  t.notOk(roots.includes(local.id) || roots.includes(harbour.id))
  t.same(await ids('parent=sport'), [])
  const unknown = await call(app, { url: '/v1/categories?parent=no-such-parent' })
  t.equal(unknown.status, 200)
  t.same(unknown.json.data, [])
  t.equal(unknown.json.meta.total, 0)
  t.equal((await call(app, { url: '/v1/categories?parent=Not%20Valid' })).status, 400)
})

t.test('[200] q matches names by word prefix, ignoring case and accents', async (t) => {
  const names = async (q: string) => (await call(app, { url: `/v1/categories?q=${encodeURIComponent(q)}` })).json.data.map((c: any) => c.name)
  t.same(await names('cafe'), ['Café Society'])
  t.same(await names('SOC'), ['Café Society'])
  t.same(await names('front'), ['Harbour Front'])
  t.same(await names('ront'), [])
  t.same((await call(app, { url: `/v1/categories?q=harb&parent=${local.id}` })).json.data.map((c: any) => c.id), [harbour.id], 'q combines with parent')
})

t.test('[200] lists categories with pagination, sort and fields', async (t) => {
  const all = await call(app, { url: '/v1/categories?perPage=100' })
  t.same(checker.check('GET', '/v1/categories?perPage=100', all.res), [])
  const names = all.json.data.map((c: any) => c.name)
  t.same(names, [...names].sort(), 'by name by default')
  const total = all.json.meta.total
  t.equal(all.headers['x-total-count'], String(total))
  const page2 = await call(app, { url: '/v1/categories?perPage=2&page=2' })
  t.same(page2.json.data.map((c: any) => c.id), all.json.data.slice(2, 4).map((c: any) => c.id))
  t.equal(page2.json.links.prev, '/v1/categories?perPage=2')
  const seen: number[] = []
  const base = '/v1/categories?perPage=3&sort=-name'
  let url: string | null = base
  while (url) {
    const r: any = await call(app, { url })
    seen.push(...r.json.data.map((c: any) => c.id))
    url = r.json.meta.nextCursor ? `${base}&cursor=${r.json.meta.nextCursor}` : null
  }
  t.same(seen, [...all.json.data].reverse().map((c: any) => c.id), 'cursors walk sort=-name')
  const created = await call(app, { url: '/v1/categories?sort=createdAt&fields=name,parentId' })
  t.same(Object.keys(created.json.data[0]).sort(), ['id', 'name', 'parentId'])
  t.equal(created.json.data[0].id, news.id)
  t.equal((await call(app, { url: '/v1/categories?sort=parentId' })).status, 400)
  t.equal((await call(app, { url: '/v1/categories?fields=searchName' })).status, 400)
})

t.test('[200] articleCount counts published articles and sorts', async (t) => {
  await postArticle(app, admin, { title: 'Sport one', authorId: writer.id, categoryIds: [sport.id], status: 'published' })
  await postArticle(app, admin, { title: 'Sport two', authorId: writer.id, categoryIds: [sport.id, harbour.id], status: 'published' })
  await postArticle(app, admin, { title: 'Sport draft', authorId: writer.id, categoryIds: [sport.id] })
  t.equal((await call(app, { url: `/v1/categories/${sport.id}` })).json.data.articleCount, 2)
  const byCount = await call(app, { url: '/v1/categories?sort=-articleCount&fields=articleCount&perPage=2' })
  t.same(byCount.json.data, [{ id: sport.id, articleCount: 2 }, { id: harbour.id, articleCount: 1 }])
})

t.test('[409] a category cannot become its own ancestor, and nothing changes', async (t) => {
  for (const parentId of [news.id, local.id, harbour.id]) {
    const r = await call(app, { method: 'PATCH', url: `/v1/categories/${news.id}`, token: editor, payload: { name: 'Renamed', parentId } })
    t.equal(r.status, 409, `News under ${parentId}`)
    t.same(checker.check('PATCH', `/v1/categories/${news.id}`, r.res), [])
  }
  t.equal(await parentOf(news.id), null)
  t.equal((await call(app, { url: `/v1/categories/${news.id}` })).json.data.name, 'News', 'a failed PATCH changed nothing')
  const missing = await call(app, { method: 'PATCH', url: `/v1/categories/${news.id}`, token: editor, payload: { parentId: 99999 } })
  t.equal(missing.status, 400)
  t.equal(missing.json.errors[0].path, '/parentId')
})

t.test('[200] PATCH moves a category in the tree and honours If-Match', async (t) => {
  const read = await call(app, { url: `/v1/categories/${cafe.id}`, token: editor })
  const etag = read.headers.etag as string
  t.equal((await call(app, { method: 'PATCH', url: `/v1/categories/${cafe.id}`, token: editor, headers: { 'if-match': '"stale"' }, payload: { parentId: sport.id } })).status, 412)
  t.equal(await parentOf(cafe.id), news.id, '412 changed nothing')
  const moved = await call(app, { method: 'PATCH', url: `/v1/categories/${cafe.id}`, token: editor, headers: { 'if-match': etag }, payload: { parentId: harbour.id, description: 'Coffee' } })
  t.equal(moved.status, 200)
  t.equal(moved.json.data.parentId, harbour.id)
  t.equal(moved.json.data.description, 'Coffee')
  t.equal(moved.json.data.slug, cafe.slug)
  const root = await call(app, { method: 'PATCH', url: `/v1/categories/${cafe.id}`, token: editor, payload: { parentId: null, name: 'Café Life' } })
  t.equal(root.json.data.parentId, null)
  t.same((await call(app, { url: '/v1/categories?q=life' })).json.data.map((c: any) => c.id), [cafe.id])
  t.equal((await call(app, { method: 'PATCH', url: `/v1/categories/${cafe.id}`, token: editor, payload: { slug: 'news' } })).status, 409)
  t.equal((await call(app, { method: 'PATCH', url: `/v1/categories/${cafe.id}`, token: editor, payload: {} })).status, 400)
})

t.test('[204] deleting a category moves its children to its parent and detaches its articles', async (t) => {
  const tree = await category({ name: 'Tree Top' })
  const middle = await category({ name: 'Tree Middle', parentId: tree.id })
  const leafA = await category({ name: 'Tree Leaf A', parentId: middle.id })
  const leafB = await category({ name: 'Tree Leaf B', parentId: middle.id })
  const article = await postArticle(app, admin, { title: 'In the middle', authorId: writer.id, categoryIds: [middle.id, leafA.id], status: 'published' })
  const before = await call(app, { url: `/v1/articles/${article.id}` })
  t.same(before.json.data.categories.map((c: any) => c.id), [middle.id, leafA.id])

  const read = await call(app, { url: `/v1/categories/${middle.id}`, token: editor })
  t.equal((await call(app, { method: 'DELETE', url: `/v1/categories/${middle.id}`, token: editor, headers: { 'if-match': '"stale"' } })).status, 412)
  t.equal((await call(app, { url: `/v1/categories/${middle.id}` })).status, 200, '412 deleted nothing')
  const del = await call(app, { method: 'DELETE', url: `/v1/categories/${middle.slug}`, token: editor, headers: { 'if-match': read.headers.etag as string } })
  t.equal(del.status, 204)
  t.equal(del.res.body, '')
  t.equal((await call(app, { url: `/v1/categories/${middle.id}` })).status, 404)
  t.equal(await parentOf(leafA.id), tree.id)
  t.equal(await parentOf(leafB.id), tree.id)
  const after = await call(app, { url: `/v1/articles/${article.id}` })
  t.same(after.json.data.categories.map((c: any) => c.id), [leafA.id], 'the article lost the deleted category only')
  t.ok(Date.parse(after.json.data.updatedAt) > Date.parse(before.json.data.updatedAt), 'the article\'s updatedAt moved on')
  t.equal((await call(app, { url: `/v1/categories/${leafA.id}` })).json.data.articleCount, 1)

  // A root category's children become roots.
  const del2 = await call(app, { method: 'DELETE', url: `/v1/categories/${tree.id}`, token: admin })
  t.equal(del2.status, 204)
  t.equal(await parentOf(leafA.id), null)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/categories/${tree.id}`, token: admin })).status, 404)
})
