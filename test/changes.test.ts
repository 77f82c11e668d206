import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { createComment } from '../src/comments/mutations.js'

type Store = Map<string, Record<string, unknown>>

/** A mobile client: applies the change feed to its local copy. */
async function sync (app: any, store: Store, cursor: string | null, token?: string): Promise<string> {
  let next = cursor
  for (;;) {
    const url = `/v1/changes?perPage=7${next ? `&since=${next}` : ''}`
    const { status, json, headers } = await call(app, { url, token })
    if (status !== 200) throw new Error(`sync failed ${status} ${JSON.stringify(json)}`)
    t.equal(headers['cache-control'], 'private, no-store')
    for (const change of json.data) {
      const key = `${change.resource}:${change.id}`
      if (change.op === 'upsert') store.set(key, change.data)
      else store.delete(key)
    }
    next = json.meta.nextCursor
    if (!json.meta.hasMore) return next as string
  }
}

async function truth (app: any, articleKeys: string[]): Promise<Store> {
  const out: Store = new Map()
  for (const [resource, url] of [['article', '/v1/articles'], ['author', '/v1/authors'], ['category', '/v1/categories'], ['tag', '/v1/tags']]) {
    const { json } = await call(app, { url: `${url}?perPage=100` })
    for (const item of json.data) out.set(`${resource}:${item.id}`, item)
  }
  for (const key of articleKeys) {
    const { status, json } = await call(app, { url: `/v1/articles/${key}/comments?perPage=100` })
    if (status === 200) for (const c of json.data) out.set(`comment:${c.id}`, c)
  }
  return out
}

t.test('a mobile client stays in step with the lists, deletions included, and never sees drafts', async (t) => {
  const app = await build(t, { commentRateLimit: 1000 })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Sync Author', { email: 'sync-author@private.example' })
  const created = async (url: string, payload: object) => (await call(app, { method: 'POST', url, token: editor, payload })).json.data
  const tag = await created('/v1/tags', { name: 'Tides' })
  const category = await created('/v1/categories', { name: 'Coast' })
  const a1 = await postArticle(app, editor, { title: 'Visible one', authorId: author.id, status: 'published', tagIds: [tag.id] })
  const a2 = await postArticle(app, editor, { title: 'Visible two', authorId: author.id, status: 'published', categoryIds: [category.id] })
  const draft = await postArticle(app, editor, { title: 'Secret draft title', authorId: author.id })
  const comment = await call(app, { method: 'POST', url: `/v1/articles/${a1.id}/comments`, payload: { authorName: 'R', authorEmail: 'reader@private.example', body: 'First!' } })
  await call(app, { method: 'PATCH', url: `/v1/comments/${comment.json.data.id}`, token: editor, payload: { status: 'approved' } })

  const store: Store = new Map()
  let cursor = await sync(app, store, null)
  t.same(store, await truth(app, [a1.slug, a2.slug]), 'first sync equals the lists')

  // Every kind of change.
  await call(app, { method: 'PATCH', url: `/v1/articles/${a1.id}`, token: editor, payload: { title: 'Visible one, edited' } })
  await call(app, { method: 'PATCH', url: `/v1/articles/${a2.id}`, token: editor, payload: { status: 'archived' } })
  await call(app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, token: editor, payload: { status: 'published' } })
  const a3 = await postArticle(app, editor, { title: 'Brand new', authorId: author.id, status: 'published' })
  const a4 = await postArticle(app, editor, { title: 'Soon deleted', authorId: author.id, status: 'published' })
  await call(app, { method: 'DELETE', url: `/v1/articles/${a4.id}`, token: editor })
  await call(app, { method: 'PATCH', url: `/v1/comments/${comment.json.data.id}`, token: editor, payload: { status: 'spam' } })
  await call(app, { method: 'PATCH', url: `/v1/tags/${tag.id}`, token: editor, payload: { name: 'Tide tables' } })
  await call(app, { method: 'DELETE', url: `/v1/categories/${category.id}`, token: editor })
  await created('/v1/authors', { name: 'New Voice' })
  const hidden = await postArticle(app, editor, { title: 'Another hidden draft', authorId: author.id })

  const before = new Map(store)
  cursor = await sync(app, store, cursor)
  t.same(store, await truth(app, [a1.slug, draft.slug, a3.slug]), 'second sync equals the lists')
  t.ok(before.has(`article:${a2.id}`) && !store.has(`article:${a2.id}`), 'an archived article is a tombstone')
  t.notOk(store.has(`comment:${comment.json.data.id}`), 'a comment marked spam is removed')

  // Nothing about drafts, ever, and no emails.
  const raw = await call(app, { url: '/v1/changes?perPage=500' })
  t.notOk(raw.res.body.includes('Another hidden draft'))
  t.notOk(raw.json.data.some((c: any) => c.resource === 'article' && c.id === hidden.id), 'a draft leaves no trace, not even a tombstone')
  t.notOk(raw.res.body.includes('@private.example'))

  // Staff see drafts in their feed.
  const staff = await call(app, { url: '/v1/changes?perPage=500', token: editor })
  t.ok(staff.json.data.some((c: any) => c.resource === 'article' && c.id === hidden.id && c.op === 'upsert'))

  // Nothing new: the cursor stays useful.
  const quiet = await call(app, { url: `/v1/changes?since=${cursor}` })
  t.same(quiet.json.data, [])
  t.equal(quiet.json.meta.hasMore, false)
  t.equal(typeof quiet.json.meta.nextCursor, 'string')
  t.equal((await call(app, { url: '/v1/changes?since=garbage' })).status, 400)
})

t.test('hidden work leaves nothing in the anonymous feed: no event, no gap in the numbers, no moved cursor', async (t) => {
  const app = await build(t, { commentRateLimit: 1000 })
  const editor = tokenFor(app, 'editor')
  const seen = insertAuthor(app, 'Seen Writer')
  const unseen = insertAuthor(app, 'Unseen Writer')
  const vault = insertCategory(app, 'Vault')
  const classified = insertTag(app, 'Classified')
  const first = await postArticle(app, editor, { title: 'First public', authorId: seen.id, status: 'published' })
  await postArticle(app, editor, { title: 'Early draft', authorId: unseen.id })
  await postArticle(app, editor, { title: 'Second public', authorId: seen.id, status: 'published' })
  const feed = async (since: string | null, token?: string) => (await call(app, { url: `/v1/changes?perPage=500${since ? `&since=${since}` : ''}`, token })).json
  const start = await feed(null)
  t.same(start.data.map((c: any) => c.seq), start.data.map((_: unknown, i: number) => i + 1), 'public changes are numbered one by one')
  const staffStart = await feed(null, editor)

  // Everything a newsroom does with work nobody outside may see yet.
  const draft = await postArticle(app, editor, { title: 'Merger talks', authorId: unseen.id, categoryIds: [vault.id], tagIds: [classified.id] })
  await call(app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, token: editor, payload: { title: 'Merger talks, v2' } })
  const onDraft = createComment(app.db, draft.id, { authorName: 'R', authorEmail: 'r@private.example', body: 'Early' }, { status: 'pending' }).id
  await call(app, { method: 'PATCH', url: `/v1/comments/${onDraft}`, token: editor, payload: { status: 'approved' } })
  const pendingOnPublic = await call(app, { method: 'POST', url: `/v1/articles/${first.id}/comments`, payload: { authorName: 'Q', authorEmail: 'q@private.example', body: 'Hm' } })
  await call(app, { method: 'PATCH', url: `/v1/comments/${pendingOnPublic.json.data.id}`, token: editor, payload: { status: 'spam' } })
  const doomed = await postArticle(app, editor, { title: 'Never to be', authorId: unseen.id, tagIds: [classified.id] })
  await call(app, { method: 'DELETE', url: `/v1/articles/${doomed.id}`, token: editor })
  // An author's email is for editors and admins: changing it alone moves nothing public.
  const profileBefore = await call(app, { url: `/v1/authors/${seen.id}` })
  const emailed = await call(app, { method: 'PATCH', url: `/v1/authors/${seen.id}`, token: editor, payload: { email: 'new.address@private.example' } })
  t.equal(emailed.json.data.email, 'new.address@private.example')
  const profileAfter = await call(app, { url: `/v1/authors/${seen.id}` })
  t.same([profileAfter.json.data.updatedAt, profileAfter.headers.etag], [profileBefore.json.data.updatedAt, profileBefore.headers.etag], 'the public profile, its updatedAt and ETag are as they were')
  // An admin form sends every field: those it repeats unchanged do not make it public.
  const whole = profileAfter.json.data
  const form = await call(app, { method: 'PATCH', url: `/v1/authors/${seen.id}`, token: editor, payload: { email: 'newer.address@private.example', name: whole.name, slug: whole.slug, bio: whole.bio, website: whole.website, social: whole.social, avatarUrl: whole.avatarUrl } })
  t.equal(form.status, 200)
  const profileLast = await call(app, { url: `/v1/authors/${seen.id}` })
  t.same([profileLast.json.data.updatedAt, profileLast.headers.etag], [profileBefore.json.data.updatedAt, profileBefore.headers.etag], 'nor with the other fields repeated')

  const quiet = await feed(start.meta.nextCursor)
  t.same(quiet.data, [], 'no event')
  t.equal(quiet.meta.nextCursor, start.meta.nextCursor, 'the cursor has not moved')
  const staff = await feed(staffStart.meta.nextCursor, editor)
  t.ok(staff.data.some((c: any) => c.resource === 'article' && c.id === draft.id), 'staff see the draft\'s changes')
  t.ok(staff.data.some((c: any) => c.resource === 'comment' && c.id === onDraft), 'and its comment')
  t.ok(staff.data.some((c: any) => c.resource === 'author' && c.id === seen.id && c.data.email === 'newer.address@private.example'), 'and the new email')

  // Once published, the article and its approved comment reach the feed, numbered on.
  await call(app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, token: editor, payload: { status: 'published' } })
  const published = await feed(start.meta.nextCursor)
  const last = start.data[start.data.length - 1].seq
  t.same(published.data.map((c: any) => c.seq), published.data.map((_: unknown, i: number) => last + i + 1), 'no gap for the hidden writes before')
  const upserted = (resource: string, id: number) => published.data.some((c: any) => c.resource === resource && c.id === id && c.op === 'upsert')
  t.ok(upserted('article', draft.id) && upserted('comment', onDraft) && upserted('author', unseen.id), 'the article, its comment and its author')
  t.notOk(JSON.stringify(published.data).includes('private.example'))

  // A cursor belongs to the log it was made in: a client that starts or stops sending a
  // key resyncs (its store holds drafts it may no longer see, or lacks those it now may).
  for (const [cursor, token] of [[published.meta.nextCursor, editor], [staff.meta.nextCursor, undefined]] as const) {
    const other = await call(app, { url: `/v1/changes?since=${cursor}`, token })
    t.equal(other.status, 410)
    t.match(other.json.detail, /another reader/)
  }
  // A forged whole-log cursor tells an anonymous caller nothing either.
  t.equal((await call(app, { url: `/v1/changes?since=${Buffer.from('c3').toString('base64url')}` })).status, 410)
})

t.test('an author key follows its own articles and their comments, drafts included', async (t) => {
  const app = await build(t, { commentRateLimit: 1000 })
  const editor = tokenFor(app, 'editor')
  const writer = insertAuthor(app, 'Own Writer')
  const key = tokenFor(app, 'author', writer.id)
  const article = await postArticle(app, editor, { title: 'Mine', authorId: writer.id, status: 'published' })
  const first = createComment(app.db, article.id, { authorName: 'R', authorEmail: 'r@private.example', body: 'One' }, { status: 'approved' }).id
  const store: Store = new Map()
  let cursor = await sync(app, store, null, key)
  t.ok(store.has(`comment:${first}`))
  // Unpublished, then moderated while a draft: the key still sees all of it.
  await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: editor, payload: { status: 'draft' } })
  await call(app, { method: 'PATCH', url: `/v1/comments/${first}`, token: editor, payload: { status: 'spam' } })
  const second = createComment(app.db, article.id, { authorName: 'S', authorEmail: 's@private.example', body: 'Two' }, { status: 'approved' }).id
  cursor = await sync(app, store, cursor, key)
  const listed = (await call(app, { url: `/v1/articles/${article.id}/comments`, token: key })).json.data.map((c: any) => c.id)
  t.same(listed, [second])
  t.same([...store.keys()].filter((k) => k.startsWith('comment:')), [`comment:${second}`], 'the store agrees with the list')
  t.equal(store.get(`article:${article.id}`)?.status, 'draft')
  // None of it reaches the anonymous feed.
  const anonymous = await call(app, { url: '/v1/changes?perPage=500' })
  t.notOk(anonymous.json.data.some((c: any) => c.resource === 'comment' && c.id === second))
  // A comment waiting for moderation is not the key's to see, not even as a tombstone.
  const pending = createComment(app.db, article.id, { authorName: 'P', authorEmail: 'p@private.example', body: 'Pending' }).id
  const afterPending = await call(app, { url: `/v1/changes?since=${cursor}`, token: key })
  t.notOk(afterPending.json.data.some((c: any) => c.resource === 'comment' && c.id === pending))
})

t.test('an article moved to another author leaves the first key\'s store and joins the second\'s, with its comments', async (t) => {
  const app = await build(t, { commentRateLimit: 1000 })
  const editor = tokenFor(app, 'editor')
  const [first, second] = [insertAuthor(app, 'First Hand'), insertAuthor(app, 'Second Hand')]
  const [firstKey, secondKey] = [tokenFor(app, 'author', first.id), tokenFor(app, 'author', second.id)]
  const stores: [Store, Store] = [new Map(), new Map()]
  const cursors = [await sync(app, stores[0], null, firstKey), await sync(app, stores[1], null, secondKey)]
  const draft = await postArticle(app, editor, { title: 'Moving draft', authorId: first.id })
  const comment = createComment(app.db, draft.id, { authorName: 'R', authorEmail: 'r@private.example', body: 'Hi' }, { status: 'approved' }).id
  cursors[0] = await sync(app, stores[0], cursors[0], firstKey)
  t.ok(stores[0].has(`article:${draft.id}`) && stores[0].has(`comment:${comment}`))
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${draft.id}`, token: editor, payload: { authorId: second.id } })).status, 200)
  cursors[0] = await sync(app, stores[0], cursors[0], firstKey)
  cursors[1] = await sync(app, stores[1], cursors[1], secondKey)
  t.notOk(stores[0].has(`article:${draft.id}`) || stores[0].has(`comment:${comment}`), 'the first key drops both')
  t.ok(stores[1].has(`article:${draft.id}`) && stores[1].has(`comment:${comment}`), 'the second key has both')
  const swapped = await call(app, { url: `/v1/changes?since=${cursors[0]}`, token: secondKey })
  t.equal(swapped.status, 410, 'one author key\'s cursor read with another\'s: resync')
})

t.test('[410] a cursor older than the retention', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Old Author')
  await postArticle(app, editor, { title: 'Old news', authorId: author.id, status: 'published' })
  const first = await call(app, { url: '/v1/changes?perPage=1' })
  const { purgeChanges } = await import('../src/changes/queries.js')
  purgeChanges(app.db, Date.now() + 1000)
  const gone = await call(app, { url: `/v1/changes?since=${first.json.meta.nextCursor}` })
  t.equal(gone.status, 410)
  t.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(gone.json.detail, /resync/)
  // Its start would miss the article, which nobody has changed since.
  const fromStart = await call(app, { url: '/v1/changes' })
  t.equal(fromStart.status, 410, 'no since, once the log has dropped events: resync too')
  t.match(fromStart.json.detail, /since=now/)
  const now = await call(app, { url: '/v1/changes?since=now' })
  t.equal(now.status, 200, 'since=now gives a cursor at the end of the log')
  t.same(now.json.data, [])
  t.equal((await call(app, { url: '/v1/articles' })).json.data[0].title, 'Old news', 'the lists give what the log dropped')
  await postArticle(app, editor, { title: 'New news', authorId: author.id, status: 'published' })
  const next = await call(app, { url: `/v1/changes?since=${now.json.meta.nextCursor}` })
  t.same(next.json.data.filter((c: { resource: string }) => c.resource === 'article').map((c: { data: { title: string } }) => c.data.title), ['New news'], 'and the cursor follows what changes after')
  const staffNow = await call(app, { url: '/v1/changes?since=now', token: editor })
  t.equal(staffNow.status, 200)
  t.equal((await call(app, { url: `/v1/changes?since=${staffNow.json.meta.nextCursor}`, token: editor })).json.data.length, 0, 'a key\'s cursor at the end of the whole log')
})

t.test('since=now before anything was dropped: a cursor at the end, the start still readable', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Now Author')
  await postArticle(app, editor, { title: 'Already there', authorId: author.id, status: 'published' })
  const now = await call(app, { url: '/v1/changes?since=now' })
  t.same(now.json.data, [])
  t.equal(now.json.meta.hasMore, false)
  t.equal((await call(app, { url: `/v1/changes?since=${now.json.meta.nextCursor}` })).json.data.length, 0)
  t.ok((await call(app, { url: '/v1/changes' })).json.data.length > 0, 'without since, from the beginning')
})

t.test('renaming a tag, a category or an author brings the articles that embed it through the feed and updatedSince', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Embedded Author')
  const tag = insertTag(app, 'Shipping')
  const category = insertCategory(app, 'Business')
  const other = insertTag(app, 'Unrelated')
  const article = await postArticle(app, editor, { title: 'Embeds', authorId: author.id, status: 'published', tagIds: [tag.id], categoryIds: [category.id] })
  const draft = await postArticle(app, editor, { title: 'Hidden embeds', authorId: author.id, tagIds: [tag.id] })
  const store: Store = new Map()
  let cursor = await sync(app, store, null)
  const staff: Store = new Map()
  let staffCursor = await sync(app, staff, null, editor)

  const steps: [string, string, Record<string, unknown>, (a: any) => unknown][] = [
    ['tag name', `/v1/tags/${tag.id}`, { name: 'Shipping News' }, (a) => a.tags[0].name],
    ['category slug', `/v1/categories/${category.id}`, { slug: 'biz' }, (a) => a.categories[0].slug],
    ['author name', `/v1/authors/${author.id}`, { name: 'Renamed Author' }, (a) => a.author.name],
    ['author avatar', `/v1/authors/${author.id}`, { avatarUrl: 'https://example.com/a.png' }, (a) => a.author.avatarUrl]
  ]
  for (const [what, url, payload, read] of steps) {
    const before = Date.now()
    t.equal((await call(app, { method: 'PATCH', url, token: editor, payload })).status, 200, what)
    const page = (await call(app, { url: `/v1/changes?since=${cursor}` })).json
    const seen = new Set(page.data.map((change: { resource: string, id: number }) => `${change.resource}:${change.id}`))
    t.ok(seen.has(`article:${article.id}`), `${what}: the article comes through the feed`)
    t.notOk(seen.has(`article:${draft.id}`), `${what}: not the draft, for the public`)
    cursor = await sync(app, store, cursor)
    t.equal(read(store.get(`article:${article.id}`)), Object.values(payload)[0], `${what}: the client's copy embeds the change`)
    const since = (await call(app, { url: `/v1/articles?updatedSince=${new Date(before - 1).toISOString()}` })).json
    t.same(since.data.map((a: { id: number }) => a.id), [article.id], `${what}: updatedSince finds it`)
  }
  staffCursor = await sync(app, staff, staffCursor, editor)
  t.equal((staff.get(`article:${draft.id}`) as any).author.name, 'Renamed Author', 'an editor\'s copy of the draft follows too')

  // What no list item embeds moves no article.
  for (const [url, payload] of [[`/v1/tags/${tag.id}`, { description: 'Ships' }], [`/v1/authors/${author.id}`, { bio: 'Writes.' }], [`/v1/tags/${other.id}`, { name: 'Still unrelated' }]] as const) {
    await call(app, { method: 'PATCH', url, token: editor, payload })
    const page = (await call(app, { url: `/v1/changes?since=${cursor}` })).json
    t.same(page.data.filter((c: { resource: string }) => c.resource === 'article'), [], `${url} ${Object.keys(payload)[0]}: no article event`)
    cursor = page.meta.nextCursor
  }
})

t.test('every kind of change matches the spec, whose Change says by resource what data holds', async (t) => {
  const { SpecChecker } = await import('./spec.js')
  const app = await build(t)
  const checker = await SpecChecker.of(app)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Typed Author')
  const tag = insertTag(app, 'Typed Tag')
  const category = insertCategory(app, 'Typed Category')
  const article = await postArticle(app, editor, { title: 'Typed', authorId: author.id, status: 'published', tagIds: [tag.id], categoryIds: [category.id] })
  createComment(app.db, article.id, { authorName: 'R', authorEmail: 'r@private.example', body: 'Typed comment' }, { status: 'approved' })
  const gone = await postArticle(app, editor, { title: 'Gone', authorId: author.id, status: 'published' })
  await call(app, { method: 'DELETE', url: `/v1/articles/${gone.id}`, token: editor })
  for (const token of [undefined, editor]) {
    const url = '/v1/changes?perPage=500'
    const res = await app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} })
    const kinds = new Set(JSON.parse(res.body).data.map((c: { resource: string, op: string }) => `${c.resource} ${c.op}`))
    for (const kind of ['article upsert', 'article delete', 'author upsert', 'tag upsert', 'category upsert', 'comment upsert']) t.ok(kinds.has(kind), `${token ? 'editor' : 'anonymous'}: ${kind}`)
    t.same(checker.check('GET', url, res), [], `${token ? 'editor' : 'anonymous'}: the feed matches the spec`)
  }
  const spec = JSON.parse((await app.inject('/openapi.json')).body)
  t.equal(spec.components.schemas.ArticleChange.properties.data.$ref, '#/components/schemas/ArticleListItem')
  t.equal(spec.components.schemas.Change.discriminator.propertyName, 'resource')
})

t.test('the purge of expired events empties the response cache: a cached feed page gives way to the 410', async (t) => {
  const app = await build(t, { responseCacheBytes: 1024 * 1024 })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Purged Author')
  await postArticle(app, editor, { title: 'Soon purged', authorId: author.id, status: 'published' })
  const first = await call(app, { url: '/v1/changes?perPage=1' })
  const url = `/v1/changes?since=${first.json.meta.nextCursor}`
  t.equal((await call(app, { url })).status, 200)
  t.equal((await call(app, { url })).status, 200, 'read twice: the second from the response cache')
  // Every event older than the retention, then the purge the background jobs run each minute.
  app.db.$client.prepare('update change_events set at = at - ?').run(400 * 86_400_000)
  app.purgeExpired()
  t.equal((await call(app, { url })).status, 410, 'the cursor the purge expired')
})
