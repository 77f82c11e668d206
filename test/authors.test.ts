import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

const app = await build(t)
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const checker = await SpecChecker.of(app)

/** Creates an author through POST /v1/authors and returns its `data`. */
async function author (payload: Record<string, unknown>) {
  const { status, json } = await call(app, { method: 'POST', url: '/v1/authors', token: editor, payload })
  if (status !== 201) throw new Error(`creating author failed: ${status} ${JSON.stringify(json)}`)
  return json.data
}

const count = () => (app.db.$client.prepare('select count(*) n from authors').get() as { n: number }).n

const SECRET = 'zoe.private@hidden.example'
const zoe = await author({
  name: 'Zoë Hart',
  email: SECRET,
  bio: 'Harbour and courts.',
  avatarUrl: 'https://img.example/zoe.jpg',
  website: 'https://zoe.example',
  social: { mastodon: 'https://mastodon.example/@zoe', x: 'https://x.com/zoe' }
})
const ann = await author({ name: 'Ann Archer', email: 'ann@hidden.example' })
const bob = await author({ name: 'Bob Baker' })
const zoeKey = tokenFor(app, 'author', zoe.id)

// Zoë: two published articles and a draft; Bob: one published.
await postArticle(app, admin, { title: 'Zoë one', authorId: zoe.id, status: 'published' })
await postArticle(app, admin, { title: 'Zoë two', authorId: zoe.id, status: 'published' })
await postArticle(app, admin, { title: 'Zoë draft', authorId: zoe.id })
await postArticle(app, admin, { title: 'Bob one', authorId: bob.id, status: 'published' })

t.test('[201] creates an author with a slug from the name, a Location and the email for editors', async (t) => {
  const { status, json, headers, res } = await call(app, { method: 'POST', url: '/v1/authors', token: admin, payload: { name: 'Émile Zola', email: 'emile@hidden.example' } })
  t.equal(status, 201)
  t.equal(json.data.slug, 'emile-zola')
  t.equal(headers.location, `/v1/authors/${json.data.id}`)
  t.ok(headers.etag)
  t.equal(json.data.email, 'emile@hidden.example')
  t.same(json.data.social, {})
  t.equal(json.data.articleCount, 0)
  t.match(json.data.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.same(Object.keys(json.data), ['id', 'slug', 'name', 'bio', 'avatarUrl', 'website', 'social', 'articleCount', 'createdAt', 'updatedAt', 'email'])
  t.same(checker.check('POST', '/v1/authors', res), [])
})

t.test('[201] a colliding name gets -2; [409] an explicit slug that is taken changes nothing', async (t) => {
  const again = await author({ name: 'Zoë Hart' })
  t.equal(again.slug, 'zoe-hart-2')
  const before = count()
  const taken = await call(app, { method: 'POST', url: '/v1/authors', token: editor, payload: { name: 'Other', slug: 'zoe-hart' } })
  t.equal(taken.status, 409)
  t.equal(taken.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(count(), before, 'nothing was written')
  const chosen = await author({ name: 'Chosen', slug: 'chosen-one' })
  t.equal(chosen.slug, 'chosen-one')
})

t.test('[400] invalid bodies name the field and change nothing', async (t) => {
  const before = count()
  for (const [path, payload] of [
    ['/name', { bio: 'no name' }],
    ['/color', { name: 'X', color: 'red' }],
    ['/email', { name: 'X', email: 'not an email' }],
    ['/website', { name: 'X', website: 'javascript:alert(1)' }],
    ['/avatarUrl', { name: 'X', avatarUrl: 'ftp://img.example/a.png' }],
    ['/social/mastodon', { name: 'X', social: { mastodon: 'javascript:alert(1)' } }],
    ['/social', { name: 'X', social: { 'Bad Key': 'https://x.example' } }],
    ['/social', { name: 'X', social: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`n${i}`, 'https://x.example'])) }],
    ['/slug', { name: 'X', slug: 'Not A Slug' }],
    ['/name', { name: 5 }]
  ] as const) {
    const r = await call(app, { method: 'POST', url: '/v1/authors', token: editor, payload })
    t.equal(r.status, 400, JSON.stringify(payload))
    t.equal(r.json.errors?.[0]?.path, path)
  }
  t.equal(count(), before)
})

t.test('[401] writes without a token, with WWW-Authenticate: Bearer; [403] for an author key', async (t) => {
  for (const [method, url] of [['POST', '/v1/authors'], ['PATCH', `/v1/authors/${zoe.id}`], ['DELETE', `/v1/authors/${bob.id}`]] as const) {
    const anon = await call(app, { method, url, payload: { name: 'Nope' } })
    t.equal(anon.status, 401, `${method} ${url}`)
    t.match(anon.headers['www-authenticate'], /^Bearer/)
    const asAuthor = await call(app, { method, url, token: zoeKey, payload: { name: 'Nope' } })
    t.equal(asAuthor.status, 403, `${method} ${url} with an author key`)
  }
  const badToken = await call(app, { url: '/v1/authors', headers: { authorization: 'Bearer nope' } })
  t.equal(badToken.status, 401)
  t.equal((await call(app, { url: `/v1/authors/${zoe.id}` })).json.data.name, 'Zoë Hart')
})

t.test('[200] gets one author by id and by slug; [404] for unknown ones', async (t) => {
  const byId = await call(app, { url: `/v1/authors/${zoe.id}` })
  t.equal(byId.status, 200)
  t.equal(byId.json.data.slug, 'zoe-hart')
  t.equal(byId.json.data.articleCount, 2, 'published articles only')
  t.same(byId.json.data.social, { mastodon: 'https://mastodon.example/@zoe', x: 'https://x.com/zoe' })
  t.ok(byId.headers.etag)
  t.equal(byId.headers['cache-control'], 'public, max-age=60, stale-while-revalidate=300')
  t.same(checker.check('GET', `/v1/authors/${zoe.id}`, byId.res), [])
  const bySlug = await call(app, { url: '/v1/authors/zoe-hart' })
  t.same(bySlug.json.data, byId.json.data)
  const notModified = await call(app, { url: '/v1/authors/zoe-hart', headers: { 'if-none-match': byId.headers.etag as string } })
  t.equal(notModified.status, 304)
  for (const key of ['99999', 'nobody-here']) {
    const missing = await call(app, { url: `/v1/authors/${key}` })
    t.equal(missing.status, 404)
    t.equal(missing.json.status, 404)
    t.same(checker.check('GET', `/v1/authors/${key}`, missing.res), [])
  }
  t.equal((await call(app, { url: '/v1/authors/Not%20A%20Key' })).status, 400)
})

t.test('the email reaches editors and admins only, and no filter matches it', async (t) => {
  const authorKey = tokenFor(app, 'author', ann.id)
  for (const [who, token] of [['anonymous', undefined], ['author key', authorKey]] as const) {
    for (const url of ['/v1/authors', `/v1/authors/${zoe.id}`, '/v1/authors?fields=name,bio', '/v1/authors?q=zoe', '/v1/authors?sort=-articleCount']) {
      const r = await call(app, { url, token })
      t.equal(r.status, 200, `${who} ${url}`)
      t.notOk(r.res.body.includes(SECRET), `${who} ${url} shows no email`)
      t.notOk(r.res.body.includes('hidden.example'), `${who} ${url} shows no email at all`)
      t.notOk(r.res.body.includes('"email"'), `${who} ${url} has no email property`)
    }
    const asked = await call(app, { url: '/v1/authors?fields=email', token })
    t.equal(asked.status, 400, `${who} may not ask for the email field`)
    t.equal(asked.json.errors[0].path, '/query/fields')
  }
  const staffOne = await call(app, { url: `/v1/authors/${zoe.id}`, token: editor })
  t.equal(staffOne.json.data.email, SECRET)
  t.equal(staffOne.headers['cache-control'], 'private, no-store')
  t.same(checker.check('GET', `/v1/authors/${zoe.id}`, staffOne.res), [])
  const staffList = await call(app, { url: '/v1/authors?fields=name,email&q=zoe', token: admin })
  t.same(staffList.json.data.find((a: any) => a.id === zoe.id), { id: zoe.id, name: 'Zoë Hart', email: SECRET })
  // The email is never a search target, for anyone.
  for (const token of [undefined, admin]) {
    t.equal((await call(app, { url: '/v1/authors?q=private', token })).json.meta.total, 0)
    t.equal((await call(app, { url: '/v1/authors?q=hidden', token })).json.meta.total, 0)
  }
})

t.test('[200] q matches names by word prefix, ignoring case and accents', async (t) => {
  const names = async (q: string) => (await call(app, { url: `/v1/authors?q=${encodeURIComponent(q)}&perPage=100` })).json.data.map((a: any) => a.name)
  t.ok((await names('zoe')).includes('Zoë Hart'), 'zoe finds Zoë')
  t.ok((await names('ZOË')).includes('Zoë Hart'))
  t.ok((await names('har')).includes('Zoë Hart'), 'any word of the name')
  t.ok((await names('zoe ha')).includes('Zoë Hart'), 'several words')
  t.notOk((await names('art')).includes('Zoë Hart'), 'a prefix, not a substring')
  t.same(await names('100%'), [], 'LIKE wildcards are escaped')
  t.same(await names('_'), [], 'a query without letters or digits matches nothing')
})

t.test('[200] lists authors by name with page pagination, meta, links and headers', async (t) => {
  const all = await call(app, { url: '/v1/authors?perPage=100' })
  const names = all.json.data.map((a: any) => a.name)
  t.same(names, [...names].sort(), 'sorted by name')
  t.same(checker.check('GET', '/v1/authors?perPage=100', all.res), [])
  const total = all.json.meta.total
  t.equal(all.headers['x-total-count'], String(total))
  const first = await call(app, { url: '/v1/authors?perPage=2' })
  t.same(first.json.meta, { page: 1, perPage: 2, total, totalPages: Math.ceil(total / 2), nextCursor: first.json.meta.nextCursor })
  t.equal(first.json.links.next, '/v1/authors?perPage=2&page=2')
  t.match(first.headers.link, /rel="next"/)
  const second = await call(app, { url: '/v1/authors?perPage=2&page=2' })
  t.same(second.json.data.map((a: any) => a.id), all.json.data.slice(2, 4).map((a: any) => a.id))
  const past = await call(app, { url: '/v1/authors?page=999' })
  t.equal(past.status, 200)
  t.same(past.json.data, [])
})

t.test('[200] follows cursors through every author exactly once', async (t) => {
  const seen: number[] = []
  const base = '/v1/authors?perPage=2&sort=-createdAt'
  let url: string | null = base
  while (url) {
    const r: any = await call(app, { url })
    t.equal(r.status, 200)
    seen.push(...r.json.data.map((a: any) => a.id))
    url = r.json.meta.nextCursor ? `${base}&cursor=${r.json.meta.nextCursor}` : null
  }
  const all = await call(app, { url: '/v1/authors?perPage=100&sort=-createdAt' })
  t.same(seen, all.json.data.map((a: any) => a.id))
  // Stable while items are inserted before the cursor.
  const page1 = await call(app, { url: '/v1/authors?perPage=2' })
  const expected = (await call(app, { url: '/v1/authors?perPage=2&page=2' })).json.data.map((a: any) => a.id)
  const early = await author({ name: 'Aaron Aardvark' })
  const page2 = await call(app, { url: `/v1/authors?perPage=2&cursor=${page1.json.meta.nextCursor}` })
  t.same(page2.json.data.map((a: any) => a.id), expected, 'the cursor page is unaffected by the insert')
  t.equal(page2.json.links.next, `/v1/authors?perPage=2&cursor=${page2.json.meta.nextCursor}`)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/authors/${early.id}`, token: editor })).status, 204)
  t.equal((await call(app, { url: '/v1/authors?cursor=abc&page=2' })).status, 400)
  t.equal((await call(app, { url: '/v1/authors?cursor=garbage' })).json.errors[0].path, '/query/cursor')
})

t.test('[200] lists authors by articleCount; fields; [400] unknown sort and fields', async (t) => {
  const byCount = await call(app, { url: '/v1/authors?sort=-articleCount&fields=articleCount' })
  t.same(byCount.json.data.slice(0, 2), [{ id: zoe.id, articleCount: 2 }, { id: bob.id, articleCount: 1 }])
  const counts = byCount.json.data.map((a: any) => a.articleCount)
  t.same(counts, [...counts].sort((a, b) => b - a))
  const fields = await call(app, { url: '/v1/authors?fields=name,slug' })
  for (const item of fields.json.data) t.same(Object.keys(item).sort(), ['id', 'name', 'slug'])
  t.same(checker.check('GET', '/v1/authors?fields=name,slug', fields.res), [])
  const badSort = await call(app, { url: '/v1/authors?sort=email' })
  t.equal(badSort.status, 400)
  t.equal(badSort.json.errors[0].path, '/query/sort')
  t.equal((await call(app, { url: '/v1/authors?fields=password' })).status, 400)
  t.equal((await call(app, { url: '/v1/authors?color=red' })).status, 400)
})

t.test('[200] PATCH changes what it names, keeps the slug, and honours If-Match', async (t) => {
  const created = await author({ name: 'Patch Me', bio: 'Old bio', social: { x: 'https://x.com/p' } })
  const read = await call(app, { url: `/v1/authors/${created.id}`, token: editor })
  const etag = read.headers.etag as string
  const stale = await call(app, { method: 'PATCH', url: `/v1/authors/${created.id}`, token: editor, headers: { 'if-match': '"stale"' }, payload: { name: 'Changed' } })
  t.equal(stale.status, 412)
  t.equal((await call(app, { url: `/v1/authors/${created.id}` })).json.data.name, 'Patch Me', '412 changed nothing')
  const ok = await call(app, { method: 'PATCH', url: `/v1/authors/${created.id}`, token: editor, headers: { 'if-match': etag }, payload: { name: 'Renée Patched', bio: null, social: {} } })
  t.equal(ok.status, 200)
  t.same(checker.check('PATCH', `/v1/authors/${created.id}`, ok.res), [])
  t.equal(ok.json.data.name, 'Renée Patched')
  t.equal(ok.json.data.slug, 'patch-me', 'the slug stays when the name changes')
  t.equal(ok.json.data.bio, null)
  t.same(ok.json.data.social, {})
  t.ok(Date.parse(ok.json.data.updatedAt) > Date.parse(created.updatedAt))
  t.not(ok.headers.etag, etag)
  const names = (await call(app, { url: '/v1/authors?q=renee' })).json.data.map((a: any) => a.id)
  t.same(names, [created.id], 'the search name follows the name')
  t.equal((await call(app, { url: '/v1/authors?q=patch' })).json.data.filter((a: any) => a.id === created.id).length, 1)
  t.equal((await call(app, { url: '/v1/authors?q=me' })).json.data.filter((a: any) => a.id === created.id).length, 0, 'the old name no longer matches')
  const taken = await call(app, { method: 'PATCH', url: `/v1/authors/${created.id}`, token: editor, payload: { slug: 'zoe-hart', name: 'Half done' } })
  t.equal(taken.status, 409)
  t.equal((await call(app, { url: `/v1/authors/${created.id}` })).json.data.name, 'Renée Patched', 'a failed PATCH changed nothing')
  const newSlug = await call(app, { method: 'PATCH', url: `/v1/authors/${created.id}`, token: editor, payload: { slug: 'renee' } })
  t.equal(newSlug.json.data.slug, 'renee')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/authors/${created.id}`, token: editor, payload: {} })).status, 400)
  t.equal((await call(app, { method: 'PATCH', url: '/v1/authors/99999', token: editor, payload: { name: 'X' } })).status, 404)
})

t.test('[409] deleting an author with articles; [400] a bad reassignTo; [204] with reassignTo', async (t) => {
  const before = count()
  const blocked = await call(app, { method: 'DELETE', url: `/v1/authors/${zoe.id}`, token: editor })
  t.equal(blocked.status, 409)
  t.match(blocked.json.detail, /reassignTo/)
  t.same(checker.check('DELETE', `/v1/authors/${zoe.id}`, blocked.res), [])
  for (const reassignTo of [zoe.id, 99999]) {
    const bad = await call(app, { method: 'DELETE', url: `/v1/authors/${zoe.id}?reassignTo=${reassignTo}`, token: editor })
    t.equal(bad.status, 400, `reassignTo=${reassignTo}`)
    t.equal(bad.json.errors[0].path, '/query/reassignTo')
  }
  t.equal((await call(app, { method: 'DELETE', url: `/v1/authors/${zoe.id}?reassignTo=abc`, token: editor })).json.errors[0].path, '/query/reassignTo')
  t.equal(count(), before, 'nothing was deleted')
  t.equal((await call(app, { url: `/v1/articles?author=${zoe.id}` })).json.meta.total, 2, 'the articles are still Zoë\'s')

  const read = await call(app, { url: `/v1/authors/${zoe.id}`, token: editor })
  t.equal((await call(app, { method: 'DELETE', url: `/v1/authors/${zoe.id}?reassignTo=${ann.id}`, token: editor, headers: { 'if-match': '"stale"' } })).status, 412)
  const moved = await call(app, { method: 'DELETE', url: `/v1/authors/${zoe.id}?reassignTo=${ann.id}`, token: editor, headers: { 'if-match': read.headers.etag as string } })
  t.equal(moved.status, 204)
  t.equal(moved.res.body, '')
  t.equal((await call(app, { url: `/v1/authors/${zoe.id}` })).status, 404)
  t.equal((await call(app, { url: `/v1/authors/${ann.id}` })).json.data.articleCount, 2, 'the new author\'s count follows')
  const articles = await call(app, { url: `/v1/articles?author=${ann.id}&status=any`, token: editor })
  t.same(articles.json.data.map((a: any) => a.title).sort(), ['Zoë draft', 'Zoë one', 'Zoë two'])
  t.equal((await call(app, { url: '/v1/authors', token: zoeKey })).status, 401, 'the author\'s keys went with it')
})

t.test('[204] deletes an author without articles; [404] afterwards', async (t) => {
  const lonely = await author({ name: 'Lonely Writer' })
  const del = await call(app, { method: 'DELETE', url: `/v1/authors/${lonely.slug}`, token: admin })
  t.equal(del.status, 204)
  t.equal((await call(app, { url: `/v1/authors/${lonely.id}` })).status, 404)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/authors/${lonely.id}`, token: admin })).status, 404)
})
