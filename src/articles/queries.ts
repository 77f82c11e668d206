/**
 * Article reads. Visibility is decided here and only here: anonymous callers see
 * live articles (published, or scheduled whose time has come), author keys also see
 * their own, editors and admins see everything.
 */
import { and, asc, eq, getTableColumns, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articleBodies, articleCategories, articles, articleTags, authors, categories, tags } from '../db/schema.js'
import { idsForKeys } from '../db/lookups.js'
import { cachedCount } from '../db/count-cache.js'
import { descendantIds } from '../categories/queries.js'
import { afterCursor, finishPage, orderBy, pickFields, planList, window, type ListSpec, type Page } from '../lib/list.js'
import { isStaff, type Caller } from '../lib/caller.js'
import { Unauthorized } from '../lib/errors.js'
import { iso } from '../lib/time.js'
import { parseKey } from '../lib/slug.js'
import { articleListNames, type ArticleListQuery } from './schemas.js'
import { articlesFts, matches, matchExpression, matchingIds, snippets } from './search.js'

type ArticleRow = typeof articles.$inferSelect & Pick<typeof articleBodies.$inferSelect, 'body' | 'bodyHtml' | 'toc'>
type Term = { id: number, slug: string, name: string }

/** The status a reader sees: a scheduled article whose time has come is published. */
function effectiveStatus (row: Pick<ArticleRow, 'status' | 'publishedAt'>, at: number): ArticleRow['status'] {
  return row.status === 'scheduled' && row.publishedAt !== null && row.publishedAt <= at ? 'published' : row.status
}

/** Rows the caller may see at all. */
export function visibleTo (caller: Caller, at: number): SQL | undefined {
  if (isStaff(caller)) return undefined
  const live = lte(articles.liveAt, at)
  if (caller.role === 'author' && caller.authorId !== null) return or(live, eq(articles.authorId, caller.authorId))
  return live
}

function statusCondition (status: string, at: number): SQL {
  switch (status) {
    case 'published': return lte(articles.liveAt, at)
    case 'scheduled': return and(eq(articles.status, 'scheduled'), gt(articles.publishedAt, at)) as SQL
    default: return eq(articles.status, status as ArticleRow['status'])
  }
}

/**
 * The sort keys depend on who asks: for the public, "publishedAt" orders by live_at
 * (equal to publishedAt on every row they can see, and indexed so that the latest
 * articles are one index range scan with no sort).
 */
function listSpec (publicOnly: boolean, searching: boolean): ListSpec {
  return {
    sortable: {
      // Only with `q`: bm25, best first (lower is better).
      ...(searching ? { relevance: { column: articlesFts.rank, key: 'searchRank' } } : {}),
      publishedAt: publicOnly
        ? { column: articles.liveAt, key: 'liveAt' }
        : { column: sql`coalesce(${articles.publishedAt}, 0)`, key: 'publishedAtOrZero' },
      updatedAt: { column: articles.updatedAt, key: 'updatedAt' },
      createdAt: { column: articles.createdAt, key: 'createdAt' },
      title: { column: articles.title, key: 'title' },
      commentCount: { column: articles.commentCount, key: 'commentCount' }
    },
    defaultSort: searching ? 'relevance' : articleListNames.defaultSort,
    id: { column: articles.id, key: 'id' },
    fields: articleListNames.fields
  }
}

const splitKeys = (raw: string) => [...new Set(raw.split(','))]

/** WHERE for the list filters; `null` when a filter names nothing, so the list is empty. */
interface Filters { where: SQL[], count: SQL[] }

/**
 * "Has one of these categories/tags", written the way that is fast for this filter.
 * Counting always drives from the join table. Listing newest first either walks the
 * live_at index and probes the join table (fast when many articles match, e.g. a
 * top-level category), or reads the few matching articles and sorts them (fast when
 * few do, e.g. a rare tag); the stored article counts tell which.
 */
function termFilter (db: Db, join: typeof articleCategories | typeof articleTags, ids: number[], matching: number): { list: SQL, count: SQL } {
  const termColumn = 'categoryId' in join ? join.categoryId : join.tagId
  const members = inArray(articles.id, db.select({ id: join.articleId }).from(join).where(inArray(termColumn, ids)))
  // The size of the archive only steers the choice; it is counted once until the next write.
  const total = cachedCount(db, 'articles|max-id', 0, () => ({
    value: db.select({ n: sql<number>`max(${articles.id})` }).from(articles).get()?.n ?? 0,
    validUntil: Number.POSITIVE_INFINITY
  }))
  const probe = sql`exists (select 1 from ${join} where ${join.articleId} = ${articles.id} and ${inArray(termColumn, ids)})`
  return { list: matching * 50 > total ? probe : members, count: members }
}

function sumCounts (db: Db, table: typeof categories | typeof tags, ids: number[]): number {
  return db.select({ n: sql<number>`coalesce(sum(${table.articleCount}), 0)` }).from(table).where(inArray(table.id, ids)).get()?.n ?? 0
}

function filters (db: Db, caller: Caller, query: ArticleListQuery, at: number): Filters | null {
  const where: SQL[] = []
  const listOnly: SQL[] = []
  const countOnly: SQL[] = []
  const visibility = visibleTo(caller, at)
  if (visibility) where.push(visibility)

  const statuses = query.status === undefined ? ['published'] : query.status === 'any' ? [] : splitKeys(query.status)
  if (caller.role === 'anonymous' && (query.status === 'any' || statuses.some((s) => s !== 'published'))) {
    throw new Unauthorized('The status filter needs an editor, admin or author key')
  }
  if (statuses.length) where.push(or(...statuses.map((s) => statusCondition(s, at))) as SQL)

  if (query.author !== undefined) {
    const ids = idsForKeys(db, authors, splitKeys(query.author))
    if (!ids.length) return null
    where.push(inArray(articles.authorId, ids))
  }
  if (query.category !== undefined) {
    const ids = descendantIds(db, idsForKeys(db, categories, splitKeys(query.category)))
    if (!ids.length) return null
    const filter = termFilter(db, articleCategories, ids, sumCounts(db, categories, ids))
    listOnly.push(filter.list)
    countOnly.push(filter.count)
  }
  if (query.tag !== undefined) {
    const ids = idsForKeys(db, tags, splitKeys(query.tag))
    if (!ids.length) return null
    const filter = termFilter(db, articleTags, ids, sumCounts(db, tags, ids))
    listOnly.push(filter.list)
    countOnly.push(filter.count)
  }
  if (query.featured !== undefined) where.push(eq(articles.featured, query.featured))
  // For the public, live_at equals published_at on every visible row and is indexed.
  const published = statuses.length === 1 && statuses[0] === 'published' ? articles.liveAt : articles.publishedAt
  if (query.publishedAfter !== undefined) where.push(gt(published, Date.parse(query.publishedAfter)))
  if (query.publishedBefore !== undefined) where.push(lt(published, Date.parse(query.publishedBefore)))
  if (query.updatedSince !== undefined) where.push(gte(articles.updatedAt, Date.parse(query.updatedSince)))
  return { where: [...where, ...listOnly], count: [...where, ...countOnly] }
}

// Lists read the compact articles table; the body columns are joined only when asked for.
const { customExcerpt, ...listColumns } = getTableColumns(articles)
const heavy = { body: articleBodies.body, bodyHtml: articleBodies.bodyHtml, toc: articleBodies.toc }
const rowColumns = { ...getTableColumns(articles), ...heavy }

export interface ArticleList { page: Page<Record<string, unknown>>, items: Record<string, unknown>[] }

export function listArticles (db: Db, caller: Caller, query: ArticleListQuery, at: number): ArticleList {
  const publicOnly = query.status === undefined || query.status === 'published'
  const expression = query.q === undefined ? null : matchExpression(query.q)
  const plan = planList(listSpec(publicOnly, expression !== null), query)
  const filtered = filters(db, caller, query, at)
  if (filtered === null) return { page: finishPage(plan, [], 0), items: [] }
  // Ranked by relevance: join the index for its rank. Otherwise the matches are a filter.
  const byRelevance = expression !== null && plan.sort[0].name === 'relevance'
  if (expression !== null) {
    filtered.count.push(inArray(articles.id, matchingIds(db, expression)))
    filtered.where.push(byRelevance ? matches(expression) : inArray(articles.id, matchingIds(db, expression)))
  }

  const columns: Record<string, unknown> = { ...listColumns, publishedAtOrZero: sql<number>`coalesce(${articles.publishedAt}, 0)` }
  const withBody = Object.keys(heavy).some((name) => plan.fields?.has(name))
  if (withBody) for (const [name, column] of Object.entries(heavy)) if (plan.fields?.has(name)) columns[name] = column

  const { limit, offset } = window(plan)
  if (byRelevance) columns.searchRank = articlesFts.rank
  let from = db.select(columns as typeof listColumns).from(articles).$dynamic()
  if (withBody) from = from.innerJoin(articleBodies, eq(articleBodies.articleId, articles.id))
  if (byRelevance) from = from.innerJoin(articlesFts, eq(articlesFts.rowid, articles.id))
  const rows = from
    .where(and(...filtered.where, afterCursor(plan)))
    .orderBy(...orderBy(plan))
    .limit(limit).offset(offset)
    .all() as unknown as Record<string, unknown>[]
  const total = cachedCount(db, countKey(caller, query), at, () => ({
    value: db.select({ n: sql<number>`count(*)` }).from(articles).where(and(...filtered.count)).get()?.n ?? 0,
    validUntil: nextGoLive(db, at)
  }))
  const page = finishPage(plan, rows, total)
  const items = toListItems(db, page.rows as unknown as ArticleRow[], plan.fields, at)
  if (expression !== null) addSearchHits(db, expression, page.rows, items)
  return { page, items }
}

/** Each hit carries `search: {rank, snippet}`. */
function addSearchHits (db: Db, expression: string, rows: Record<string, unknown>[], items: Record<string, unknown>[]) {
  const ids = rows.map((r) => r.id as number)
  const ranks = rows[0] && 'searchRank' in rows[0]
    ? new Map(rows.map((r) => [r.id as number, r.searchRank as number]))
    : ranksOf(db, expression, ids)
  const marked = snippets(db, expression, ids)
  items.forEach((item, i) => {
    item.search = { rank: ranks.get(ids[i]) ?? 0, snippet: marked.get(ids[i]) ?? '' }
  })
}

function ranksOf (db: Db, expression: string, ids: number[]): Map<number, number> {
  if (!ids.length) return new Map()
  const rows = db.select({ id: articlesFts.rowid, rank: articlesFts.rank }).from(articlesFts)
    .where(and(matches(expression), inArray(articlesFts.rowid, ids))).all()
  return new Map(rows.map((r) => [r.id, r.rank]))
}

/** Everything that decides which rows a list counts: who asks and the filters, not the page. */
function countKey (caller: Caller, query: ArticleListQuery): string {
  const { page, perPage, cursor, sort, fields, ...filters } = query
  const who = isStaff(caller) ? 'staff' : caller.role === 'author' ? `author:${caller.authorId}` : 'public'
  return `articles|${who}|${JSON.stringify(filters)}`
}

/** When the next scheduled article goes live (what the public sees changes then, with no write). */
function nextGoLive (db: Db, at: number): number {
  const row = db.select({ t: sql<number | null>`min(${articles.publishedAt})` }).from(articles)
    .where(and(eq(articles.status, 'scheduled'), gt(articles.publishedAt, at))).get()
  return row?.t ?? Number.POSITIVE_INFINITY
}

/** Embeds for a whole page come from at most three queries, whatever its size. */
function toListItems (db: Db, rows: ArticleRow[], fields: Set<string> | null, at: number): Record<string, unknown>[] {
  const wants = (f: string) => fields === null || fields.has(f)
  const ids = rows.map((r) => r.id)
  const authorsById = wants('author') ? authorSummaries(db, rows.map((r) => r.authorId)) : new Map()
  const categoriesByArticle = wants('categories') ? termsOf(db, 'categories', ids) : new Map()
  const tagsByArticle = wants('tags') ? termsOf(db, 'tags', ids) : new Map()
  return rows.map((row) => pickFields(toArticle(row, {
    author: authorsById.get(row.authorId) ?? null,
    categories: categoriesByArticle.get(row.id) ?? [],
    tags: tagsByArticle.get(row.id) ?? []
  }, at), fields ?? DEFAULT_LIST_FIELDS))
}

const DEFAULT_LIST_FIELDS = new Set(articleListNames.fields.filter((f) => !['body', 'bodyHtml', 'toc'].includes(f)))

function authorSummaries (db: Db, ids: number[]) {
  const unique = [...new Set(ids)]
  if (!unique.length) return new Map()
  const rows = db.select({ id: authors.id, slug: authors.slug, name: authors.name, avatarUrl: authors.avatarUrl })
    .from(authors).where(inArray(authors.id, unique)).all()
  return new Map(rows.map((r) => [r.id, r]))
}

/** Categories or tags of many articles in one query, in the order they were given. */
export function termsOf (db: Db, kind: 'categories' | 'tags', articleIds: number[]): Map<number, Term[]> {
  const out = new Map<number, Term[]>()
  if (!articleIds.length) return out
  const rows = kind === 'categories'
    ? db.select({ articleId: articleCategories.articleId, id: categories.id, slug: categories.slug, name: categories.name })
      .from(articleCategories).innerJoin(categories, eq(categories.id, articleCategories.categoryId))
      .where(inArray(articleCategories.articleId, articleIds))
      .orderBy(asc(articleCategories.articleId), asc(articleCategories.position)).all()
    : db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
      .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))
      .where(inArray(articleTags.articleId, articleIds))
      .orderBy(asc(articleTags.articleId), asc(articleTags.position)).all()
  for (const { articleId, ...term } of rows) {
    const list = out.get(articleId)
    if (list) list.push(term)
    else out.set(articleId, [term])
  }
  return out
}

interface Embeds { author: unknown, categories: Term[], tags: Term[] }

/** The output mapper: a row and its embeds as the API shows them, fields in contract order. */
function toArticle (row: Partial<ArticleRow> & ArticleRow, embeds: Embeds, at: number): Record<string, unknown> {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    excerpt: row.excerpt,
    body: row.body,
    bodyFormat: row.bodyFormat,
    bodyHtml: row.bodyHtml,
    toc: row.toc,
    featuredImage: row.featuredImage ?? null,
    status: effectiveStatus(row, at),
    featured: row.featured,
    publishedAt: iso(row.publishedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    readingTimeMinutes: row.readingTimeMinutes,
    wordCount: row.wordCount,
    author: embeds.author,
    categories: embeds.categories,
    tags: embeds.tags,
    commentStatus: row.commentStatus,
    commentCount: row.commentCount,
    seo: row.seo ?? { title: null, description: null, canonicalUrl: null }
  }
}

/** The row behind a route key, if the caller may see it. */
export function findArticleRow (db: Db, caller: Caller, key: string, at: number): ArticleRow | undefined {
  const k = parseKey(key)
  const match = 'id' in k ? eq(articles.id, k.id) : eq(articles.slug, k.slug)
  return db.select(rowColumns).from(articles)
    .innerJoin(articleBodies, eq(articleBodies.articleId, articles.id))
    .where(and(match, visibleTo(caller, at))).get()
}

/** One article with the author's public profile and everything else. */
export function getArticle (db: Db, caller: Caller, key: string, at: number): Record<string, unknown> | undefined {
  const row = findArticleRow(db, caller, key, at)
  return row && renderArticle(db, row, at)
}

export function renderArticle (db: Db, row: ArticleRow, at: number): Record<string, unknown> {
  const author = db.select({
    id: authors.id, slug: authors.slug, name: authors.name, bio: authors.bio,
    avatarUrl: authors.avatarUrl, website: authors.website, social: authors.social
  }).from(authors).where(eq(authors.id, row.authorId)).get()
  return toArticle(row, {
    author,
    categories: termsOf(db, 'categories', [row.id]).get(row.id) ?? [],
    tags: termsOf(db, 'tags', [row.id]).get(row.id) ?? []
  }, at)
}

export function countArticles (db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(articles).get()?.n ?? 0
}

/** List representations of the given articles that the caller may see, by id (for the change feed). */
export function articleListItems (db: Db, caller: Caller, ids: number[], at: number): Map<number, Record<string, unknown>> {
  if (!ids.length) return new Map()
  const rows = db.select(listColumns).from(articles).where(and(inArray(articles.id, ids), visibleTo(caller, at))).all()
  const items = toListItems(db, rows as unknown as ArticleRow[], null, at)
  return new Map(items.map((item) => [item.id as number, item]))
}
