/**
 * What the bench asks for. `probe` first reads from the real server what the scenarios
 * need (the bytes the ceiling replays, the latest list's ETag, the cursor 49 pages deep,
 * the most used tags, an editor key); the scenario lists are then plain request lists
 * that the load generator cycles through.
 */
import type { Dataset } from './dataset.js'
import type { RequestSpec } from './load.js'
import type { CeilingFixture } from './ceiling.js'
import type { Service } from './harness.js'

export type CeilingKind = 'latest' | 'article' | 'notModified'

export interface Scenario {
  key: string
  name: string
  target: 'server' | 'ceiling'
  requests: RequestSpec[]
  /** The ceiling row the ratio is taken against; `exact` when it serves the same bytes. */
  ceiling?: { kind: CeilingKind, exact: boolean }
  /** Read scenarios are the ones `--scale` repeats at each size. */
  read: boolean
  /** Connections for this scenario when `--connections` is not given (default: the run's). */
  connections?: number
}

export interface Probe {
  fixture: CeilingFixture
  latestEtag: string
  cursorPage2: string
  cursorPage50: string
  topTags: string[]
  editorToken: string
  editorRole: 'editor' | 'admin'
  /** Things the probe found wrong with the server (a cursor page that differs from the offset page…). */
  findings: string[]
}

interface Fetched { status: number, headers: Headers, bytes: Buffer, json: any }

async function get (service: Service, path: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(service.origin + path, { ...init, signal: AbortSignal.timeout(30_000) })
  const bytes = Buffer.from(await response.arrayBuffer())
  let json: unknown = null
  try { json = JSON.parse(bytes.toString('utf8')) } catch { /* not JSON, e.g. a 304 */ }
  return { status: response.status, headers: response.headers, bytes, json }
}

async function getOk (service: Service, path: string, init: RequestInit = {}, expect = 200): Promise<Fetched> {
  const fetched = await get(service, path, init)
  if (fetched.status !== expect) throw new Error(`${init.method ?? 'GET'} ${path} answered ${fetched.status}, expected ${expect}: ${fetched.bytes.toString('utf8').slice(0, 300)}`)
  return fetched
}

/** Article ids spread over the whole table (a stride coprime with the count), at most `limit`. */
export function spreadIds (count: number, limit = 50_000): number[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  let stride = 7919
  while (gcd(stride, count) !== 1) stride += 2
  return Array.from({ length: Math.min(count, limit) }, (_, k) => 1 + ((k * stride) % count))
}

export async function probe (server: Service, dataset: Dataset, bootstrapToken: string): Promise<Probe> {
  const findings: string[] = []
  const latest = await getOk(server, '/v1/articles')
  const latestEtag = latest.headers.get('etag')
  if (!latestEtag) throw new Error('GET /v1/articles has no ETag')
  if (!Array.isArray(latest.json?.data) || latest.json.data.length !== Math.min(20, dataset.articles)) {
    findings.push(`GET /v1/articles returned ${latest.json?.data?.length} items, expected ${Math.min(20, dataset.articles)}`)
  }
  const firstId = spreadIds(dataset.articles)[0]
  const article = await getOk(server, `/v1/articles/article-${firstId}`)

  // The cursor walk: page 1 by offset, then follow meta.nextCursor; the 49th leads to page 50.
  const cursors: string[] = []
  let page = latest
  for (let depth = 1; depth <= 49; depth++) {
    const next = page.json?.meta?.nextCursor as string | null | undefined
    if (!next) throw new Error(`the cursor walk ended at page ${depth} (needs ${49 * 20 + 1}+ articles)`)
    cursors.push(next)
    if (depth < 49) page = await getOk(server, `/v1/articles?cursor=${encodeURIComponent(next)}`)
  }
  const byCursor = await getOk(server, `/v1/articles?cursor=${encodeURIComponent(cursors[48])}`)
  const byOffset = await getOk(server, '/v1/articles?page=50')
  const ids = (f: Fetched) => ((f.json?.data ?? []) as Array<{ id: number }>).map((a) => a.id).join(',')
  if (ids(byCursor) !== ids(byOffset)) findings.push(`page 50 by cursor (${ids(byCursor).slice(0, 40)}…) differs from ?page=50 (${ids(byOffset).slice(0, 40)}…)`)

  const tags = await getOk(server, '/v1/tags?sort=-articleCount&perPage=50')
  const topTags = ((tags.json?.data ?? []) as Array<{ slug: string }>).map((t) => t.slug)
  if (topTags.length === 0) throw new Error('GET /v1/tags returned no tags')

  // Writes as an editor: a key made with the bootstrap (admin) token.
  let editorToken = bootstrapToken
  let editorRole: Probe['editorRole'] = 'admin'
  const key = await get(server, '/v1/keys', {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench editor', role: 'editor' })
  })
  if (key.status === 201 && typeof key.json?.data?.token === 'string') {
    editorToken = key.json.data.token
    editorRole = 'editor'
  } else {
    findings.push(`POST /v1/keys answered ${key.status}; writes use the bootstrap admin token`)
  }

  const asFixture = (f: Fetched) => ({ contentType: f.headers.get('content-type') ?? 'application/json', etag: f.headers.get('etag') ?? '', body: f.bytes.toString('base64') })
  return {
    fixture: { latest: asFixture(latest), article: asFixture(article) },
    latestEtag,
    cursorPage2: cursors[0],
    cursorPage50: cursors[48],
    topTags,
    editorToken,
    editorRole,
    findings
  }
}

const read = (path: string, headers?: Record<string, string>, expect = 200): RequestSpec => ({ label: 'read', method: 'GET', path, headers, expect })

function createArticle (token: string, runTag: string): RequestSpec {
  return {
    label: 'write',
    method: 'POST',
    path: '/v1/articles',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    // Unique titles, so every slug is new and no request pays for the -2, -3… search.
    body: JSON.stringify({ title: `Bench ${runTag} {n}`, authorId: 1, body: '## Hi\n\ntext', status: 'published' }),
    expect: 201
  }
}

/** The standard run's scenarios, ceilings first, writes last (they change the latest list). */
export function scenarios (dataset: Dataset, found: Probe, runTag: string): Scenario[] {
  const articleIds = spreadIds(dataset.articles)
  const authors = Array.from({ length: dataset.sizes.authors }, (_, i) => i + 1)
  const exact = (kind: CeilingKind) => ({ kind, exact: true })
  const byArticle = { kind: 'article' as const, exact: false }
  // Other pages of 20 list items are as large as the latest list (~22.6 KB; one article
  // is ~10 KB): the latest-20 ceiling is the bare-Fastify figure for the same bytes' size.
  const byList = { kind: 'latest' as const, exact: false }
  return [
    { key: 'ceiling-latest', name: 'ceiling: latest-20 bytes', target: 'ceiling', read: false, requests: [read('/latest')] },
    { key: 'ceiling-article', name: 'ceiling: one-article bytes', target: 'ceiling', read: false, requests: [read('/article')] },
    { key: 'ceiling-304', name: 'ceiling: bare 304', target: 'ceiling', read: false, requests: [read('/not-modified', { 'if-none-match': found.fixture.latest.etag }, 304)] },
    { key: 'latest', name: 'latest 20 articles', target: 'server', read: true, ceiling: exact('latest'), requests: [read('/v1/articles')] },
    { key: 'article', name: 'one article by slug (varied)', target: 'server', read: true, ceiling: exact('article'), requests: articleIds.map((id) => read(`/v1/articles/article-${id}`)) },
    // The same article again and again: what the response cache (--cache) serves from memory.
    { key: 'article-hot', name: 'one article, repeated', target: 'server', read: true, ceiling: exact('article'), requests: [read(`/v1/articles/article-${articleIds[0]}`)] },
    // Full-text search: a word in every body, a word in one title (the article number), a two-word prefix.
    // One request at a time (issue 7's goal); at 32 connections a 200 ms query would queue into the next scenarios.
    { key: 'search-common', name: 'search: common word (1 connection)', target: 'server', read: true, connections: 1, ceiling: byArticle, requests: [read('/v1/articles?q=harbour')] },
    { key: 'search-rare', name: 'search: rare word (1 connection)', target: 'server', read: true, connections: 1, ceiling: byArticle, requests: articleIds.slice(0, 50).map((id) => read(`/v1/articles?q=${id}`)) },
    { key: 'search-prefix', name: 'search: two-word prefix (1 connection)', target: 'server', read: true, connections: 1, ceiling: byArticle, requests: [read('/v1/articles?q=harbour%20counc')] },
    { key: 'tag', name: 'articles by tag (top 50 tags)', target: 'server', read: true, ceiling: byList, requests: found.topTags.map((slug) => read(`/v1/articles?tag=${slug}`)) },
    { key: 'category', name: 'articles by top-level category', target: 'server', read: true, ceiling: byList, requests: Array.from({ length: Math.min(8, dataset.sizes.categories) }, (_, i) => read(`/v1/articles?category=category-${i + 1}`)) },
    { key: 'page-500', name: 'latest, page 500', target: 'server', read: true, ceiling: byList, requests: [read('/v1/articles?page=500')] },
    { key: 'cursor-2', name: 'cursor walk, page 2 (1st nextCursor)', target: 'server', read: true, ceiling: byList, requests: [read(`/v1/articles?cursor=${encodeURIComponent(found.cursorPage2)}`)] },
    { key: 'cursor-50', name: 'cursor walk, page 50 (49th nextCursor)', target: 'server', read: true, ceiling: byList, requests: [read(`/v1/articles?cursor=${encodeURIComponent(found.cursorPage50)}`)] },
    { key: 'author', name: 'author profile (varied)', target: 'server', read: true, ceiling: byArticle, requests: authors.map((i) => read(`/v1/authors/author-${i}`)) },
    { key: 'tags', name: 'tags by articleCount', target: 'server', read: true, ceiling: byArticle, requests: [read('/v1/tags?sort=-articleCount')] },
    { key: '304', name: '304 revalidation of latest 20', target: 'server', read: true, ceiling: exact('notModified'), requests: [read('/v1/articles', { 'if-none-match': found.latestEtag }, 304)] },
    { key: 'create', name: `create article (${found.editorRole})`, target: 'server', read: false, ceiling: byArticle, requests: [createArticle(found.editorToken, runTag)] }
  ]
}

/**
 * The soak's mix, in a fixed shuffled order: mostly the reads a news site's pages make,
 * one request in ten an article created by an editor.
 */
export function soakMix (dataset: Dataset, found: Probe, runTag: string): RequestSpec[] {
  const articleIds = spreadIds(dataset.articles, 5_000)
  let seed = 7
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]
  const weighted: Array<[number, () => RequestSpec]> = [
    [30, () => read('/v1/articles')],
    [30, () => read(`/v1/articles/article-${pick(articleIds)}`)],
    [8, () => read(`/v1/articles?tag=${pick(found.topTags)}`)],
    [5, () => read(`/v1/articles?category=category-${1 + Math.floor(random() * Math.min(8, dataset.sizes.categories))}`)],
    [5, () => read(`/v1/authors/author-${1 + Math.floor(random() * dataset.sizes.authors)}`)],
    [4, () => read('/v1/tags?sort=-articleCount')],
    [3, () => read(`/v1/articles?cursor=${encodeURIComponent(found.cursorPage50)}`)],
    [5, () => read(`/v1/articles/article-${pick(articleIds)}/comments`)],
    [10, () => createArticle(found.editorToken, runTag)]
  ]
  const deck: RequestSpec[] = []
  for (const [weight, make] of weighted) for (let i = 0; i < weight * 50; i++) deck.push(make())
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[deck[i], deck[j]] = [deck[j], deck[i]]
  }
  return deck
}

/** A few requests of the scenario sent one by one, their statuses checked before the load. */
export async function checkSample (service: Service, requests: RequestSpec[]): Promise<string> {
  const picks = [...new Set([0, Math.floor(requests.length / 2), requests.length - 1])].map((i) => requests[i])
  const wrong: string[] = []
  for (const spec of picks) {
    const body = spec.body?.replaceAll('{n}', `sample-${Math.random().toString(36).slice(2, 8)}`)
    const fetched = await get(service, spec.path, { method: spec.method, headers: spec.headers, body })
    if (fetched.status !== spec.expect) {
      wrong.push(`${spec.method} ${spec.path.slice(0, 60)} → ${fetched.status} (expected ${spec.expect}): ${fetched.bytes.toString('utf8').slice(0, 160)}`)
    } else if (spec.expect === 200 && spec.path.startsWith('/v1/') && fetched.json?.data === undefined) {
      wrong.push(`${spec.method} ${spec.path.slice(0, 60)} → 200 without data`)
    }
  }
  return wrong.length ? `FAIL: ${wrong.join('; ')}` : `ok (${picks.length}/${picks.length})`
}
