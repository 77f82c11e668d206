import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { hoursAgo, insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'

const app = await build(t)
const admin = tokenFor(app, 'admin')
const ann = insertAuthor(app, 'Ann Writer', { avatarUrl: 'https://img.example/ann.jpg', bio: 'Ann writes.', email: 'ann@secret.example' })
const bob = insertAuthor(app, 'Bob Reporter')
const news = insertCategory(app, 'News')
const politics = insertCategory(app, 'Politics', news.id)
const sport = insertCategory(app, 'Sport')
const harbour = insertTag(app, 'Harbour')
const elections = insertTag(app, 'Elections')

// 25 published articles, one an hour, newest = p1.
const published: any[] = []
for (let i = 1; i <= 25; i++) {
  published.push(await postArticle(app, admin, {
    title: `Published story ${i}`,
    body: `## Intro\n\nStory number ${i} about the harbour.\n\n## More\n\nDetails.`,
    authorId: i % 2 ? ann.id : bob.id,
    categoryIds: i % 5 === 0 ? [politics.id] : [sport.id],
    tagIds: i % 3 === 0 ? [harbour.id, elections.id] : [],
    status: 'published',
    publishedAt: hoursAgo(i),
    featured: i === 7
  }))
}
const draft = await postArticle(app, admin, { title: 'Secret draft story', authorId: ann.id, categoryIds: [politics.id], tagIds: [harbour.id] })
const archived = await postArticle(app, admin, { title: 'Archived story', authorId: ann.id, status: 'archived', publishedAt: hoursAgo(100) })
const scheduled = await postArticle(app, admin, { title: 'Scheduled story', authorId: bob.id, status: 'scheduled', publishedAt: new Date(Date.now() + 3600_000).toISOString(), tagIds: [harbour.id] })

const ids = (json: any) => json.data.map((a: any) => a.id)

t.test('[200] lists published articles newest first with meta, links and headers', async (t) => {
  const { status, json, headers } = await call(app, { url: '/v1/articles' })
  t.equal(status, 200)
  t.same(ids(json), published.slice(0, 20).map((a) => a.id))
  t.same(json.meta, { page: 1, perPage: 20, total: 25, totalPages: 2, nextCursor: json.meta.nextCursor })
  t.type(json.meta.nextCursor, 'string')
  t.same(json.links, { self: '/v1/articles', first: '/v1/articles', prev: null, next: '/v1/articles?page=2', last: '/v1/articles?page=2' })
  t.equal(headers['x-total-count'], '25')
  t.equal(headers.link, '</v1/articles>; rel="self", </v1/articles>; rel="first", </v1/articles?page=2>; rel="next", </v1/articles?page=2>; rel="last"')
  t.match(headers['cache-control'], /^public, max-age=60, stale-while-revalidate=300$/)
  t.ok(headers.etag)
})

t.test('[200] list items embed summaries and leave out the body', async (t) => {
  const { json } = await call(app, { url: '/v1/articles?perPage=1' })
  const [item] = json.data
  t.same(item.author, { id: ann.id, slug: ann.slug, name: 'Ann Writer', avatarUrl: 'https://img.example/ann.jpg' })
  t.same(item.categories, [{ id: sport.id, slug: 'sport', name: 'Sport' }])
  t.notOk('body' in item)
  t.notOk('bodyHtml' in item)
  t.notOk('toc' in item)
  t.equal(item.status, 'published')
  t.match(item.publishedAt, /Z$/)
})

t.test('anonymous callers never see drafts, scheduled or archived articles', async (t) => {
  const hidden = [draft, archived, scheduled]
  for (const a of hidden) {
    t.equal((await call(app, { url: `/v1/articles/${a.id}` })).status, 404, `${a.title} by id`)
    t.equal((await call(app, { url: `/v1/articles/${a.slug}` })).status, 404, `${a.title} by slug`)
  }
  const everything = await call(app, { url: '/v1/articles?perPage=100' })
  for (const a of hidden) t.notOk(everything.res.body.includes(a.slug))
  t.equal(everything.json.meta.total, 25)
  t.equal((await call(app, { url: '/v1/articles?status=draft' })).status, 401)
  t.equal((await call(app, { url: `/v1/articles?tag=${harbour.slug}&perPage=100` })).json.meta.total, 8)
})

t.test('[200] one article by id and by slug with the author profile and toc', async (t) => {
  const target = published[2]
  const byId = await call(app, { url: `/v1/articles/${target.id}` })
  const bySlug = await call(app, { url: `/v1/articles/${target.slug}` })
  t.equal(byId.status, 200)
  t.same(byId.json, bySlug.json)
  const a = byId.json.data
  t.equal(a.slug, 'published-story-3')
  t.same(a.author, { id: ann.id, slug: ann.slug, name: 'Ann Writer', bio: 'Ann writes.', avatarUrl: 'https://img.example/ann.jpg', website: null, social: {} })
  t.notOk(byId.res.body.includes('ann@secret.example'), 'no email in the profile')
  t.same(a.toc, [{ id: 'intro', text: 'Intro', level: 2 }, { id: 'more', text: 'More', level: 2 }])
  t.match(a.bodyHtml, /<h2 id="intro">Intro<\/h2>/)
  t.equal(a.readingTimeMinutes, 1)
  t.equal(byId.headers.etag, bySlug.headers.etag)
})

t.test('[304] If-None-Match with the current ETag', async (t) => {
  const first = await call(app, { url: '/v1/articles?perPage=3' })
  const again = await call(app, { url: '/v1/articles?perPage=3', headers: { 'if-none-match': first.headers.etag as string } })
  t.equal(again.status, 304)
  t.equal(again.res.body, '')
})

t.test('pagination edges', async (t) => {
  const past = await call(app, { url: '/v1/articles?page=99' })
  t.equal(past.status, 200)
  t.same(past.json.data, [])
  t.equal(past.json.meta.total, 25)
  t.equal(past.json.links.next, null)
  const last = await call(app, { url: '/v1/articles?page=2' })
  t.equal(last.json.data.length, 5)
  t.equal(last.json.meta.nextCursor, null)
  t.equal(last.json.links.prev, '/v1/articles')
  for (const bad of ['perPage=0', 'perPage=101', 'page=0', 'page=-1', 'page=abc', 'perPage=1.5']) {
    const r = await call(app, { url: `/v1/articles?${bad}` })
    t.equal(r.status, 400, bad)
    t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(r.json.errors[0].path, /^\/query\/(page|perPage)$/)
  }
  t.equal((await call(app, { url: '/v1/articles?perPage=100' })).json.data.length, 25)
  t.equal((await call(app, { url: '/v1/articles?perPage=1' })).json.data.length, 1)
})

t.test('cursor walk is stable while articles are inserted', async (t) => {
  const seen: number[] = []
  let url = '/v1/articles?perPage=4'
  let inserted = 0
  while (url) {
    const { json, status } = await call(app, { url })
    t.equal(status, 200)
    seen.push(...ids(json))
    if (inserted < 2) {
      // A newer article appears while the client walks: it must not shift the pages.
      await postArticle(app, admin, { title: `Breaking ${inserted}`, authorId: bob.id, status: 'published' })
      inserted++
    }
    // The first page is page-based; from then on links.next carries the cursor.
    url = inserted === 1 && json.meta.nextCursor ? `/v1/articles?perPage=4&cursor=${json.meta.nextCursor}` : json.links.next
    if (url) t.match(url, /cursor=/)
  }
  t.same(seen, published.map((a) => a.id), 'every original article exactly once, in order')
  t.equal((await call(app, { url: '/v1/articles?cursor=not-a-cursor' })).status, 400)
  const first = await call(app, { url: '/v1/articles?perPage=2' })
  const mixed = await call(app, { url: `/v1/articles?cursor=${first.json.meta.nextCursor}&page=2` })
  t.equal(mixed.status, 400)
  const otherSort = await call(app, { url: `/v1/articles?cursor=${first.json.meta.nextCursor}&sort=title` })
  t.equal(otherSort.status, 400)
  t.equal(otherSort.json.errors[0].path, '/query/cursor')
})

t.test('filters', async (t) => {
  const byAuthor = await call(app, { url: `/v1/articles?author=${bob.slug}&perPage=100` })
  t.ok(byAuthor.json.data.every((a: any) => a.author.id === bob.id))
  const byAuthorId = await call(app, { url: `/v1/articles?author=${bob.id},${ann.slug}&perPage=100` })
  t.ok(byAuthorId.json.meta.total >= 25)
  const byParent = await call(app, { url: `/v1/articles?category=${news.slug}&perPage=100` })
  t.equal(byParent.json.meta.total, 5, 'the parent category matches its descendants')
  t.ok(byParent.json.data.every((a: any) => a.categories.some((c: any) => c.id === politics.id)))
  t.equal((await call(app, { url: `/v1/articles?category=${politics.id}` })).json.meta.total, 5)
  t.equal((await call(app, { url: '/v1/articles?category=no-such-category' })).json.meta.total, 0)
  t.equal((await call(app, { url: `/v1/articles?tag=${elections.slug}` })).json.meta.total, 8)
  const featured = await call(app, { url: '/v1/articles?featured=true' })
  t.same(ids(featured.json), [published[6].id])
  const after = await call(app, { url: `/v1/articles?publishedAfter=${encodeURIComponent(hoursAgo(3.5))}&perPage=100` })
  t.ok(after.json.data.some((a: any) => a.id === published[0].id))
  t.notOk(after.json.data.some((a: any) => a.id === published[3].id))
  const before = await call(app, { url: `/v1/articles?publishedBefore=${encodeURIComponent(hoursAgo(23.5))}` })
  t.same(ids(before.json), [published[23].id, published[24].id])
  const since = await call(app, { url: `/v1/articles?updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}` })
  t.equal(since.json.meta.total, 0)
  t.equal((await call(app, { url: '/v1/articles?featured=maybe' })).status, 400)
  t.equal((await call(app, { url: '/v1/articles?publishedAfter=yesterday' })).json.errors[0].path, '/query/publishedAfter')
  t.equal((await call(app, { url: '/v1/articles?tag=Bad%20Slug' })).status, 400)
})

t.test('sort and fields', async (t) => {
  const byTitle = await call(app, { url: '/v1/articles?sort=title&perPage=3&fields=title' })
  t.same(byTitle.json.data.map((a: any) => a.title), ['Breaking 0', 'Breaking 1', 'Published story 1'])
  t.same(Object.keys(byTitle.json.data[0]).sort(), ['id', 'title'])
  const oldest = await call(app, { url: '/v1/articles?sort=publishedAt&perPage=1' })
  t.equal(oldest.json.data[0].id, published[24].id)
  const withBody = await call(app, { url: '/v1/articles?fields=body,toc,bodyHtml&perPage=1' })
  t.same(Object.keys(withBody.json.data[0]).sort(), ['body', 'bodyHtml', 'id', 'toc'])
  const bad = await call(app, { url: '/v1/articles?sort=-password' })
  t.equal(bad.status, 400)
  t.equal(bad.json.errors[0].path, '/query/sort')
  t.equal((await call(app, { url: '/v1/articles?fields=email' })).json.errors[0].path, '/query/fields')
  // A cursor walk under a mixed-direction sort visits every article once.
  const seen = new Set<number>()
  let url: string | null = '/v1/articles?sort=-commentCount,title&perPage=7'
  while (url) {
    const r: any = await call(app, { url })
    for (const id of ids(r.json)) seen.add(id)
    url = r.json.links.next
  }
  t.equal(seen.size, 27)
})

t.test('pages past the first are the whole list cut into pages, whatever the filter and sort', async (t) => {
  // Pages 2+ read their ids from the index first, then the rows: the same rows as one read.
  const lists: Array<[string, string | undefined]> = [
    ['', undefined], ['tag=harbour', undefined], ['category=news', undefined], ['sort=title', undefined],
    ['sort=-commentCount,title', undefined], ['sort=publishedAt', undefined], ['fields=title,body', undefined],
    ['status=any&sort=-updatedAt', admin], ['status=any&tag=harbour', admin],
    ['q=harbour&sort=-publishedAt', undefined],
    [`publishedAfter=${hoursAgo(22)}&publishedBefore=${hoursAgo(2)}`, undefined],
    [`sort=publishedAt&publishedAfter=${hoursAgo(22)}&publishedBefore=${hoursAgo(2)}`, undefined],
    // The same query, two views: Bob's has no draft, the admin's has Ann's on top.
    ['status=draft,published&sort=-updatedAt', tokenFor(app, 'author', bob.id)], ['status=draft,published&sort=-updatedAt', admin]
  ]
  for (const [query, token] of lists) {
    const whole = await call(app, { url: `/v1/articles?${query}&perPage=100`, token })
    t.equal(whole.status, 200, query)
    const paged: any[] = []
    for (let page = 1; page <= Math.ceil(whole.json.meta.total / 4); page++) {
      const r = await call(app, { url: `/v1/articles?${query}&perPage=4&page=${page}`, token })
      paged.push(...r.json.data)
    }
    t.ok(whole.json.data.length > 4, `${query}: more than one page`)
    t.same(paged, whole.json.data, query)
    // Deep pages start from where earlier reads saw pages start: other page sizes, backwards.
    for (const perPage of [3, 5]) {
      const pages = Array.from({ length: Math.ceil(whole.json.meta.total / perPage) }, (_, i) => i + 1)
      for (const page of perPage === 5 ? pages.reverse() : pages) {
        const r = await call(app, { url: `/v1/articles?${query}&perPage=${perPage}&page=${page}`, token })
        t.same(ids(r.json), ids(whole.json).slice((page - 1) * perPage, page * perPage), `${query}, ${perPage} a page, page ${page}`)
      }
    }
  }
})

t.test('where deep pages start is forgotten when a write or the clock changes the list', async (t) => {
  // No response cache, so every read is a list read; no scheduler, so only the clock moves the list.
  const quiet = await build(t, { responseCacheBytes: 0, backgroundJobs: false })
  const token = tokenFor(quiet, 'admin')
  const writer = insertAuthor(quiet, 'Quiet Writer')
  for (let i = 1; i <= 14; i++) await postArticle(quiet, token, { title: `Quiet story ${i}`, authorId: writer.id, status: 'published', publishedAt: hoursAgo(i) })
  const page3 = async () => ids((await call(quiet, { url: '/v1/articles?perPage=4&page=3' })).json)
  const whole = async () => ids((await call(quiet, { url: '/v1/articles?perPage=100' })).json)
  t.same(await page3(), (await whole()).slice(8, 12))
  t.same(await page3(), (await whole()).slice(8, 12), 'read again, from where it was seen to start')
  await postArticle(quiet, token, { title: 'Fresh story', authorId: writer.id, status: 'published' })
  t.same(await page3(), (await whole()).slice(8, 12), 'after a write, one article further on')
  await postArticle(quiet, token, { title: 'Live in a moment', authorId: writer.id, status: 'scheduled', publishedAt: new Date(Date.now() + 300).toISOString() })
  const before = await page3()
  t.same(before, (await whole()).slice(8, 12))
  t.same(await page3(), before, 'read again before it goes live')
  await new Promise((resolve) => setTimeout(resolve, 350))
  const after = await page3()
  t.same(after, (await whole()).slice(8, 12), 'after a scheduled article went live, with no write')
  t.notSame(after, before)
})

t.test('a scheduled article becomes visible at its time with no write', async (t) => {
  const soon = await postArticle(app, admin, { title: 'Goes live soon', authorId: bob.id, status: 'scheduled', publishedAt: new Date(Date.now() + 300).toISOString() })
  t.equal((await call(app, { url: `/v1/articles/${soon.slug}` })).status, 404)
  await new Promise((resolve) => setTimeout(resolve, 400))
  const live = await call(app, { url: `/v1/articles/${soon.slug}` })
  t.equal(live.status, 200)
  t.equal(live.json.data.status, 'published')
})

t.test('errors are problem documents', async (t) => {
  for (const url of ['/v1/nothing', '/v1/articles/999999', '/v1/articles/Not_A_Slug', '/v1/articles?unknown=1']) {
    const r = await call(app, { url })
    t.ok(r.status === 404 || r.status === 400, url)
    t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8', url)
    t.match(r.json, { type: String, title: String, status: r.status, detail: String })
  }
  t.equal((await call(app, { url: '/v1/articles?unknown=1' })).json.errors[0].path, '/query/unknown')
})

t.test('a category filter follows the tree as it changes', async (t) => {
  const before = (await call(app, { url: `/v1/articles?category=${news.slug}` })).json.meta.total
  const sportBefore = (await call(app, { url: `/v1/articles?category=${sport.slug}` })).json.meta.total
  const local = await call(app, { method: 'POST', url: '/v1/categories', token: admin, payload: { name: 'Local', parentId: politics.id } })
  t.equal(local.status, 201)
  const article = await postArticle(app, admin, { title: 'Local story', authorId: bob.id, status: 'published', categoryIds: [local.json.data.id] })
  const after = await call(app, { url: `/v1/articles?category=${news.slug}&perPage=100` })
  t.equal(after.json.meta.total, before + 1, 'a new grandchild category counts under its ancestors')
  t.ok(after.json.data.some((a: any) => a.id === article.id))
  const moved = await call(app, { method: 'PATCH', url: `/v1/categories/${local.json.data.id}`, token: admin, payload: { parentId: sport.id } })
  t.equal(moved.status, 200)
  t.equal((await call(app, { url: `/v1/articles?category=${news.slug}` })).json.meta.total, before, 'moved out of the tree')
  t.equal((await call(app, { url: `/v1/articles?category=${sport.slug}` })).json.meta.total, sportBefore + 1, 'and into the other one')
})
