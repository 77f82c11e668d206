/**
 * Leak crawl: a database holding drafts, scheduled and archived articles, pending and
 * spam comments, private emails and API keys, crawled as a reader would (every public
 * route, every list filter and sort, single items, search, comments, counts, errors,
 * the OpenAPI document) and then as an author key. No response, body or header, may
 * carry anything of what that caller may not see: a hidden article's slug, title, text
 * or id (where it names an article), an email, a token or a token's hash.
 */
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { build, call, tokenFor } from './helpers.js'
import { hoursAgo, insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { createComment } from '../src/comments/mutations.js'
import { createKey, revokeKey } from '../src/keys/queries.js'
import { hashToken } from '../src/lib/tokens.js'

const app = await build(t, { commentRateLimit: 100000 })
const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')

// ── people, with private emails ──────────────────────────────────────────────────────
const ann = insertAuthor(app, 'Ann Visible', { email: 'ann.private@leak.example', bio: 'Ann writes.' })
const bob = insertAuthor(app, 'Bob Visible', { email: 'bob.private@leak.example' })
const carol = insertAuthor(app, 'Carol Hidden Only', { email: 'carol.private@leak.example' })
const authorKey = tokenFor(app, 'author', ann.id)
const bobKey = tokenFor(app, 'author', bob.id)
const revoked = createKey(app.db, { name: 'revoked', role: 'editor' })
revokeKey(app.db, revoked.id)

// ── terms: some used only by hidden articles ─────────────────────────────────────────
const news = insertCategory(app, 'News')
const politics = insertCategory(app, 'Politics', news.id)
const vault = insertCategory(app, 'Vault')
const harbour = insertTag(app, 'Harbour')
const classified = insertTag(app, 'Classified')

// ── what the public may see ──────────────────────────────────────────────────────────
const visibleBody = '## Harbour news\n\nThe ferry runs again. Quokka fans rejoice.\n\n## Later\n\nMore.'
const published = [
  await postArticle(app, admin, { title: 'Ferry returns to the harbour', authorId: ann.id, categoryIds: [politics.id], tagIds: [harbour.id], status: 'published', publishedAt: hoursAgo(2), body: visibleBody, featured: true }),
  await postArticle(app, admin, { title: 'Council votes on the pier', authorId: ann.id, categoryIds: [news.id], tagIds: [harbour.id], status: 'published', publishedAt: hoursAgo(5), body: visibleBody }),
  await postArticle(app, admin, { title: 'Bob on the fish market', authorId: bob.id, categoryIds: [politics.id], status: 'published', publishedAt: hoursAgo(9), body: visibleBody })
]

// ── what it may not ───────────────────────────────────────────────────────────────────
const hiddenTerms = { categoryIds: [politics.id, vault.id], tagIds: [harbour.id, classified.id] }
const annDraft = await postArticle(app, admin, {
  title: 'Zanzibar Quokka Draft Memo', slug: 'secret-draft-xyz', subtitle: 'Subtitle-draft-marker', excerpt: 'Excerpt-draft-marker',
  body: '## Draftheading\n\nQuokkamarker draft body text.', authorId: ann.id, ...hiddenTerms
})
const annArchived = await postArticle(app, admin, {
  title: 'Wombat Archived Dossier', slug: 'secret-archived-xyz', body: 'Wombatmarker archived body text.',
  authorId: ann.id, status: 'archived', publishedAt: hoursAgo(100), ...hiddenTerms
})
const bobScheduled = await postArticle(app, admin, {
  title: 'Yellowtail Scheduled Expose', slug: 'secret-scheduled-xyz', body: 'Yellowtailmarker scheduled body text.',
  authorId: bob.id, status: 'scheduled', publishedAt: new Date(Date.now() + 48 * 3600_000).toISOString(), featured: true, ...hiddenTerms
})
const bobDraft = await postArticle(app, admin, {
  title: 'Vortex Private Draft Plan', slug: 'secret-bob-draft-xyz', body: 'Vortexmarker draft body text.', authorId: bob.id, ...hiddenTerms
})
const carolDraft = await postArticle(app, admin, {
  title: 'Carols Nebula Draft', slug: 'secret-carol-draft-xyz', body: 'Nebulamarker draft body.', authorId: carol.id, categoryIds: [vault.id], tagIds: [classified.id]
})
const hidden = [annDraft, annArchived, bobScheduled, bobDraft, carolDraft]

// ── comments: approved ones are public, pending and spam ones (and anything on hidden articles) are not ──
const commentEmails: string[] = []
function comment (articleId: number, status: 'approved' | 'pending' | 'spam' | 'trash', body: string, parentId?: number) {
  const email = `${status}.${commentEmails.length}@commenter.example`
  commentEmails.push(email)
  return createComment(app.db, articleId, { authorName: `Reader ${status}`, authorEmail: email, body, parentId }, { status }).id
}
const approved = published.map((a, i) => comment(a.id, 'approved', `Approved comment ${i}`))
const pendingComment = comment(published[0].id, 'pending', 'Pendingmarker comment body')
const spamComment = comment(published[0].id, 'spam', 'Spammarker comment body')
const trashComment = comment(published[1].id, 'trash', 'Trashmarker comment body')
comment(published[0].id, 'approved', 'Approved reply', approved[0])
const onHiddenMarker = (a: { id: number }) => `Hiddenarticlemarker${a.id}x`
const onHidden = hidden.map((a) => comment(a.id, 'approved', `${onHiddenMarker(a)} comment on a hidden article`))

// ── what must never show ─────────────────────────────────────────────────────────────
const emails = [ann.email!, bob.email!, carol.email!, ...commentEmails]
const tokens = [admin, editor, authorKey, bobKey, revoked.token]
const markers: Record<number, string[]> = {
  [annDraft.id]: ['Quokkamarker', 'Subtitle-draft-marker', 'Excerpt-draft-marker', 'Draftheading'],
  [annArchived.id]: ['Wombatmarker'],
  [bobScheduled.id]: ['Yellowtailmarker'],
  [bobDraft.id]: ['Vortexmarker'],
  [carolDraft.id]: ['Nebulamarker']
}
// A hidden article's approved comments are as hidden as the article.
const secretsOf = (articles: any[]) => articles.flatMap((a) => [a.slug, a.title, ...markers[a.id], onHiddenMarker(a)])
const commentSecrets = ['Pendingmarker', 'Spammarker', 'Trashmarker']
const always = [...emails, ...tokens, ...tokens.map(hashToken), ...commentSecrets]

interface Seen { what: string, res: LightMyRequestResponse }


/** Everything a response shows, minus the echo of the caller's own URL in `links` and `Link`; cursors decoded. */
function haystack (res: LightMyRequestResponse): { text: string, json: unknown } {
  const headers = Object.entries(res.headers).filter(([name]) => name !== 'link').map(([name, value]) => `${name}: ${String(value)}`)
  let json: any = null
  let text = res.body
  try {
    json = JSON.parse(res.body)
    if (json && typeof json === 'object' && json.links) {
      const { links: _links, ...rest } = json
      text = JSON.stringify(rest)
    }
    // "No route for GET /v1/…" repeats the path the caller sent.
    if (typeof json?.detail === 'string' && json.detail.startsWith('No route for')) text = text.replace(json.detail, '')
    const cursor = json?.meta?.nextCursor
    if (typeof cursor === 'string') text += '\n' + Buffer.from(cursor, 'base64url').toString('utf8')
  } catch {}
  return { text: headers.join('\n') + '\n' + text, json }
}

/** Article ids a response names as articles: items of article routes, and `articleId` anywhere. */
function articleIdsIn (url: string, json: any): number[] {
  const ids: number[] = []
  const walk = (node: any) => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      if (key === 'articleId' && typeof value === 'number') ids.push(value)
      walk(value)
    }
  }
  walk(json)
  const path = url.split('?')[0]
  if (/^\/v1\/articles(\/[^/]+)?\/?$/.test(path) && json?.data) {
    for (const item of Array.isArray(json.data) ? json.data : [json.data]) if (typeof item?.id === 'number') ids.push(item.id)
  }
  return ids
}

function leaks (url: string, res: LightMyRequestResponse, secrets: string[], hiddenIds: number[]): string[] {
  const { text, json } = haystack(res)
  const found = secrets.filter((s) => text.toLowerCase().includes(s.toLowerCase())).map((s) => `shows "${s}"`)
  for (const id of articleIdsIn(url, json)) if (hiddenIds.includes(id)) found.push(`names hidden article ${id}`)
  for (const id of hiddenIds) if (new RegExp(`/v1/articles/${id}(?![0-9])`).test(text)) found.push(`links to hidden article ${id}`)
  return found
}

/** A crawler for one caller: every response is checked as it arrives and kept for the totals. */
function crawler (token: string | undefined, hiddenArticles: any[]) {
  const secrets = [...always, ...secretsOf(hiddenArticles)]
  const hiddenIds = hiddenArticles.map((a) => a.id)
  const seen: Seen[] = []
  async function get (t: Test, url: string, expect?: number, options: { method?: string, payload?: unknown } = {}) {
    const { res, json, status } = await call(app, { method: (options.method ?? 'GET') as 'GET', url, token, payload: options.payload as object })
    seen.push({ what: `${options.method ?? 'GET'} ${url}`, res })
    const found = leaks(url, res, secrets, hiddenIds)
    t.same(found, [], `${options.method ?? 'GET'} ${url} → ${status}`)
    if (expect !== undefined) t.equal(status, expect, `${url} answers ${expect}`)
    return { res, json, status }
  }
  return { get, seen, secrets }
}


const spec = JSON.parse((await app.inject('/openapi.json')).body)
const getOperations = Object.entries(spec.paths as Record<string, Record<string, any>>)
  .flatMap(([path, ops]) => Object.entries(ops).filter(([method]) => method === 'get').map(([, op]) => ({ path, op })))

const sortsOf = (path: string): string[] => {
  const description: string = spec.paths[path].get.parameters?.find((p: any) => p.name === 'sort')?.description ?? ''
  const at = description.indexOf('Sortable:')
  return at < 0 ? [] : [...description.slice(at).split('.')[0].matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1])
}
const fieldsOf = (path: string): string => {
  const description: string = spec.paths[path].get.parameters?.find((p: any) => p.name === 'fields')?.description ?? ''
  const at = description.indexOf('One of:')
  // `email` is a field for editor and admin keys only (anyone else asking for it gets a 400).
  return at < 0 ? '' : [...description.slice(at).matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).filter((f) => f !== 'email').join(',')
}

/** The list URLs a crawler walks: every filter, every sort both ways, every field. */
function articleListUrls (): string[] {
  const keysOf = (items: { id: number, slug: string }[]) => items.flatMap((i) => [String(i.id), i.slug])
  const urls = ['/v1/articles', '/v1/articles?perPage=100', `/v1/articles?perPage=100&fields=${fieldsOf('/v1/articles')}`]
  for (const key of keysOf([ann, bob, carol])) urls.push(`/v1/articles?author=${key}&fields=body,title,slug,status`)
  for (const key of keysOf([news, politics, vault])) urls.push(`/v1/articles?category=${key}&fields=body,bodyHtml,toc`)
  for (const key of keysOf([harbour, classified])) urls.push(`/v1/articles?tag=${key}&fields=excerpt,subtitle`)
  urls.push(`/v1/articles?author=${ann.id},${bob.id},${carol.id}&category=${vault.id},${politics.id}&tag=${classified.slug},${harbour.slug}`)
  urls.push('/v1/articles?featured=true', '/v1/articles?featured=false')
  for (const h of [1000, 200, 50, 1, -1, -72]) {
    const at = encodeURIComponent(hoursAgo(h))
    urls.push(`/v1/articles?publishedAfter=${at}`, `/v1/articles?publishedBefore=${at}`, `/v1/articles?updatedSince=${at}`)
  }
  for (const q of ['zanzibar', 'quokka', 'quokkamarker', 'wombat', 'wombatmarker', 'yellowtail', 'vortex', 'nebula', 'draft', 'memo', 'dossier', 'expose', 'draftheading', 'subtitle', 'excerpt', 'secret', 'xyz', 'harbour', 'zanz', 'q']) {
    urls.push(`/v1/articles?q=${q}`, `/v1/articles?q=${q}&sort=title&fields=body,excerpt`)
  }
  for (const sort of sortsOf('/v1/articles')) urls.push(`/v1/articles?sort=${sort}&perPage=100`, `/v1/articles?sort=-${sort}&perPage=100`)
  return urls
}

/** Every page of a list by cursor, one item at a time. */
async function walk (c: ReturnType<typeof crawler>, t: Test, first: string): Promise<number[]> {
  const ids: number[] = []
  let url: string | null = first
  for (let guard = 0; url && guard < 200; guard++) {
    const { json, status } = await c.get(t, url)
    if (status !== 200) break
    ids.push(...json.data.map((i: any) => i.id))
    url = json.links.next
  }
  return ids
}

t.test('anonymous crawl: no hidden article, comment, email, token or hash anywhere', async (t) => {
  const c = crawler(undefined, hidden)
  const visibleIds = published.map((a) => a.id)

  // Lists of articles: each filter, each sort, fields including body, search.
  for (const url of articleListUrls()) {
    const { json, status, res } = await c.get(t, url)
    if (status === 200) {
      t.ok(json.data.every((a: any) => visibleIds.includes(a.id)), `${url}: only published articles`)
      t.equal(res.headers['x-total-count'], String(json.meta.total), `${url}: X-Total-Count is meta.total`)
      t.ok(json.meta.total <= published.length, `${url}: total counts published articles only`)
    }
  }
  const all = await c.get(t, '/v1/articles?perPage=100', 200)
  t.same(all.json.data.map((a: any) => a.id).sort(), [...visibleIds].sort(), 'the full list is exactly the published articles')
  t.equal(all.json.meta.total, published.length)
  t.equal((await c.get(t, `/v1/articles?author=${ann.slug}`)).json.meta.total, 2, 'Ann: her two published articles, not her draft or archived one')
  t.equal((await c.get(t, `/v1/articles?author=${carol.slug}`)).json.meta.total, 0, 'Carol has only a draft')
  t.equal((await c.get(t, `/v1/articles?category=${vault.slug}`)).json.meta.total, 0)
  t.equal((await c.get(t, `/v1/articles?tag=${classified.slug}`)).json.meta.total, 0)
  t.equal((await c.get(t, '/v1/articles?q=zanzibar')).json.meta.total, 0, 'search does not find a draft title')
  t.equal((await c.get(t, '/v1/articles?q=quokkamarker')).json.meta.total, 0, 'search does not find a draft body')
  t.equal((await c.get(t, `/v1/articles?featured=true&perPage=100`)).json.meta.total, 1, 'the scheduled featured article is not counted')
  for (const sort of sortsOf('/v1/articles')) {
    for (const dir of ['', '-']) t.same((await walk(c, t, `/v1/articles?perPage=1&sort=${dir}${sort}`)).sort(), [...visibleIds].sort(), `cursor walk by ${dir}${sort}`)
  }

  // The status filter is for keys.
  for (const status of ['draft', 'scheduled', 'archived', 'any', 'published,draft']) await c.get(t, `/v1/articles?status=${status}`, 401)
  await c.get(t, '/v1/articles?status=published', 200)

  // Single items: hidden ones by id and by slug are a 404, as are their comments and comment forms.
  for (const a of hidden) {
    await c.get(t, `/v1/articles/${a.id}`, 404)
    await c.get(t, `/v1/articles/${a.slug}`, 404)
    await c.get(t, `/v1/articles/${a.id}/comments`, 404)
    await c.get(t, `/v1/articles/${a.slug}/comments`, 404)
    await c.get(t, `/v1/articles/${a.id}/comments`, 404, { method: 'POST', payload: { authorName: 'Prober', authorEmail: 'prober@probe.example', body: 'Is this here?' } })
  }
  for (const a of published) {
    const one = await c.get(t, `/v1/articles/${a.id}`, 200)
    t.equal(one.json.data.commentCount, a.id === published[0].id ? 2 : 1, `${a.slug}: commentCount counts approved comments`)
    await c.get(t, `/v1/articles/${a.slug}`, 200)
    const comments = await c.get(t, `/v1/articles/${a.id}/comments?perPage=100`, 200)
    t.ok(comments.json.data.every((cm: any) => !onHidden.includes(cm.id) && ![pendingComment, spamComment, trashComment].includes(cm.id)), 'approved comments only')
    t.equal(comments.json.meta.total, one.json.data.commentCount, 'comment total is the approved count')
  }
  // Replies to what is not approved, and comments that are not approved: no hint of them.
  for (const parentId of [pendingComment, spamComment, trashComment, ...onHidden]) {
    const r = await c.get(t, `/v1/articles/${published[0].id}/comments`, 400, { method: 'POST', payload: { authorName: 'Prober', authorEmail: 'prober@probe.example', body: 'Reply?', parentId } })
    t.equal(r.json.errors?.[0]?.path, '/parentId')
  }

  // Authors, categories and tags: lists, items, sorts; articleCount counts published articles only.
  const expectedCounts: Record<string, Record<number, number>> = {
    authors: { [ann.id]: 2, [bob.id]: 1, [carol.id]: 0 },
    categories: { [news.id]: 1, [politics.id]: 2, [vault.id]: 0 },
    tags: { [harbour.id]: 2, [classified.id]: 0 }
  }
  const items: Record<string, { id: number, slug: string }[]> = { authors: [ann, bob, carol], categories: [news, politics, vault], tags: [harbour, classified] }
  for (const resource of ['authors', 'categories', 'tags']) {
    const base = `/v1/${resource}`
    const urls = [base, `${base}?perPage=100`, `${base}?fields=${fieldsOf(base)}`, ...sortsOf(base).flatMap((s) => [`${base}?sort=${s}`, `${base}?sort=-${s}`])]
    for (const q of ['a', 'car', 'vau', 'cla', 'n']) urls.push(`${base}?q=${q}`)
    for (const url of urls) await c.get(t, url, 200)
    const list = await c.get(t, `${base}?perPage=100`, 200)
    t.equal(list.res.headers['x-total-count'], String(list.json.meta.total))
    for (const item of items[resource]) {
      const listed = list.json.data.find((i: any) => i.id === item.id)
      t.equal(listed?.articleCount, expectedCounts[resource][item.id], `${resource} ${item.slug}: articleCount in the list`)
      for (const key of [item.id, item.slug]) {
        const one = await c.get(t, `${base}/${key}`, 200)
        t.equal(one.json.data.articleCount, expectedCounts[resource][item.id], `${resource} ${key}: articleCount`)
        t.notOk('email' in one.json.data, 'no email field')
      }
    }
  }
  for (const url of ['/v1/authors?fields=email', '/v1/authors?fields=name,email&perPage=100']) await c.get(t, url, 400)
  await c.get(t, `/v1/categories?parent=${news.slug}`, 200)
  await c.get(t, '/v1/categories?parent=root', 200)

  // Every GET in the spec, with each kind of key (visible and hidden ids and slugs), anonymously.
  const keys = [...published.slice(0, 1), ...hidden].flatMap((a) => [String(a.id), a.slug])
  for (const { path } of getOperations) {
    const fills = path.includes('{') ? keys.map((k) => path.replace(/\{[^}]+\}/g, k)) : [path]
    for (const url of fills) await c.get(t, url)
  }
  // Moderation and key routes: 401 without a key, and the problem says nothing more.
  for (const url of ['/v1/comments', `/v1/comments?status=pending,spam`, `/v1/comments/${pendingComment}`, `/v1/comments/${spamComment}`, '/v1/keys', '/v1/keys/1']) await c.get(t, url, 401)
  for (const url of ['/v1/articles?perPage=0', '/v1/articles?cursor=bogus', '/v1/articles?sort=nope', '/v1/articles/Not_A_Key', '/v1/nothing-here', `/v1/articles/${hidden[0].id}/nothing`]) await c.get(t, url)
  // A wrong token is a 401, never a quiet downgrade; a revoked one likewise.
  for (const bad of ['bs_wrongwrongwrongwrongwrongwrongwrongwrongwro', revoked.token]) {
    const r = await call(app, { url: `/v1/articles/${annDraft.id}`, token: bad })
    t.equal(r.status, 401)
    t.same(leaks(`/v1/articles/${annDraft.id}`, r.res, c.secrets, hidden.map((a) => a.id)), [], 'a bad token sees nothing')
  }
  await c.get(t, '/openapi.json', 200)
  await c.get(t, '/health', 200)
  t.ok(c.seen.length > 200, `crawled ${c.seen.length} responses`)
})

t.test('author key crawl: its own drafts, but not other authors\' drafts and no email', async (t) => {
  const othersHidden = [bobScheduled, bobDraft, carolDraft]
  const c = crawler(authorKey, othersHidden)
  const mine = [...published, annDraft, annArchived].map((a) => a.id)
  for (const url of articleListUrls()) {
    const { json, status } = await c.get(t, url)
    if (status === 200) t.ok(json.data.every((a: any) => mine.includes(a.id)), `${url}: published and own articles only`)
  }
  for (const status of ['draft', 'scheduled', 'archived', 'any', 'draft,scheduled,archived,published']) {
    const { json } = await c.get(t, `/v1/articles?status=${status}&perPage=100&fields=body,title`, 200)
    t.ok(json.data.every((a: any) => mine.includes(a.id)), `status=${status}: own and published only`)
  }
  t.ok((await c.get(t, '/v1/articles?status=draft', 200)).json.data.some((a: any) => a.id === annDraft.id), 'sees its own draft')
  for (const a of othersHidden) {
    await c.get(t, `/v1/articles/${a.id}`, 404)
    await c.get(t, `/v1/articles/${a.slug}`, 404)
    await c.get(t, `/v1/articles/${a.id}/comments`, 404)
    await c.get(t, `/v1/articles/${a.id}`, 404, { method: 'PATCH', payload: { title: 'Mine now' } })
    await c.get(t, `/v1/articles/${a.id}`, 404, { method: 'DELETE' })
  }
  for (const base of ['/v1/authors', '/v1/categories', '/v1/tags']) {
    await c.get(t, `${base}?perPage=100`, 200)
    await c.get(t, `${base}?fields=${fieldsOf(base)}`, 200)
  }
  for (const key of [ann.id, bob.id, carol.id, ann.slug]) {
    const one = await c.get(t, `/v1/authors/${key}`, 200)
    t.notOk('email' in one.json.data, 'no email for an author key, not even its own author\'s')
  }
  for (const { path } of getOperations) {
    const keys = [published[0], ...othersHidden].flatMap((a) => [String(a.id), a.slug])
    const fills = path.includes('{') ? keys.map((k) => path.replace(/\{[^}]+\}/g, k)) : [path]
    for (const url of fills) await c.get(t, url)
  }
  await c.get(t, '/v1/comments', 403)
  await c.get(t, '/v1/keys', 403)
  t.equal((await call(app, { url: `/v1/articles/${bobDraft.id}`, token: bobKey })).status, 200, 'Bob\'s own key does see it (the crawl is not vacuous)')
})
