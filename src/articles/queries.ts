/**
 * Article reads. Visibility is decided here and only here: anonymous callers see
 * live articles (published, or scheduled whose time has come), author keys also see
 * their own, editors and admins see everything.
 *
 * These are the reads behind every page view, so they are hand-written statements
 * (src/db/raw.ts) rather than Drizzle queries: built as text in microseconds, prepared
 * once, read as arrays. The embedded author, category and tag summaries, and the author's
 * public profile on one article, come from memory (src/db/summaries.ts), found by the
 * ids each article row carries.
 */
import { getTableColumns, getTableName } from 'drizzle-orm'
import { dataVersion, type Db, type Queryable } from '../db/client.js'
import { articleBodies, articles, authors, categories, tags } from '../db/schema.js'
import { idsForKeys } from '../db/lookups.js'
import { cachedCount, remembered, untilWrite } from '../db/count-cache.js'
import { allOf, allRows, columnName, concatLists, fragment, joinFragments, limitText, oneRow, reader, scalar, whereText, type Fragment, type Reader } from '../db/raw.js'
import { summaries, type ById, type SummaryKind } from '../db/summaries.js'
import { descendantIds } from '../categories/queries.js'
import { afterCursorText, finishPage, orderByText, pickFields, planList, seeksFromCursor, sortValues, whereAfterCursor, window, type ListPlan, type ListSpec, type Page } from '../lib/list.js'
import { isStaff, type Caller } from '../lib/caller.js'
import { FieldError, Unauthorized } from '../lib/errors.js'
import { iso } from '../lib/time.js'
import { parseKey } from '../lib/slug.js'
import { articleListNames, type ArticleListQuery } from './schemas.js'
import { matchExpression, RANKED_WINDOW, ranking, searchIndex, snippets, type Ranking, type SearchIndex } from './search.js'

type ArticleRow = typeof articles.$inferSelect & Pick<typeof articleBodies.$inferSelect, 'body' | 'bodyHtml' | 'toc'>
type Term = { id: number, slug: string, name: string }
type AuthorSummary = { id: number, slug: string, name: string, avatarUrl: string | null }
type Row = Record<string, unknown>

/** The status a reader sees: a scheduled article whose time has come is published. */
function effectiveStatus (row: Pick<ArticleRow, 'status' | 'publishedAt'>, at: number): ArticleRow['status'] {
  return row.status === 'scheduled' && row.publishedAt !== null && row.publishedAt <= at ? 'published' : row.status
}

/** Rows the caller may see at all (null: every row). */
function visibleTo (caller: Caller, at: number): Fragment | null {
  if (isStaff(caller)) return null
  if (caller.role === 'author' && caller.authorId !== null) return fragment('articles.live_at <= ? or articles.author_id = ?', at, caller.authorId)
  return fragment('articles.live_at <= ?', at)
}

/** Whether the caller may see the article with this id. */
export function articleVisible (db: Queryable, caller: Caller, id: number, at: number): boolean {
  const where = allOf([fragment('articles.id = ?', id), visibleTo(caller, at)])
  return oneRow(db, fragment(`select 1 from articles where ${where.text}`, ...where.params)) !== undefined
}

function statusCondition (status: string, at: number): Fragment {
  switch (status) {
    case 'published': return fragment('articles.live_at <= ?', at)
    case 'scheduled': return fragment("articles.status = 'scheduled' and articles.published_at > ?", at)
    default: return fragment('articles.status = ?', status)
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
      // Only with `q`, and only first: bm25, best first (lower is better), read from the
      // ranked hits (rankedRows); equal ranks newest first.
      ...(searching ? { relevance: { column: 'hits.rank', key: 'searchRank', reverseTies: true } } : {}),
      publishedAt: publicOnly
        ? { column: 'articles.live_at', key: 'liveAt' }
        : { column: 'coalesce(articles.published_at, 0)', key: 'publishedAtOrZero' },
      updatedAt: { column: 'articles.updated_at', key: 'updatedAt' },
      createdAt: { column: 'articles.created_at', key: 'createdAt' },
      title: { column: 'articles.title', key: 'title' },
      commentCount: { column: 'articles.comment_count', key: 'commentCount' }
    },
    defaultSort: searching ? 'relevance' : articleListNames.defaultSort,
    id: { column: 'articles.id', key: 'id' },
    fields: articleListNames.fields
  }
}

const splitKeys = (raw: string) => [...new Set(raw.split(','))]

/** Ids as one JSON parameter (`in (select value from json_each(?))`): one statement whatever their number. */
const idList = (ids: number[]) => JSON.stringify(ids)

/** Each kind's join table and its term column (the kind is also the table with the counts). */
const TERM_LINKS = {
  categories: { table: 'article_categories', column: 'category_id' },
  tags: { table: 'article_tags', column: 'tag_id' }
} as const

/**
 * "Has one of these categories/tags", written the way that is fast for this filter.
 * Counting always drives from the join table. Listing newest first either walks the
 * live_at index and probes the join table (fast when many articles match, e.g. a
 * top-level category), or, when few do (e.g. a tag), starts from the links: one term's
 * links carry live_at (migrations/0003) and are read newest first from their index
 * (`drive`), several terms' matching articles are read and sorted. The stored article
 * counts tell which; they and the ids a filter names are remembered until the next
 * write (src/db/count-cache.ts), so a tag page's first statement is its page.
 */
interface TermFilter { list: Fragment, count: Fragment, drive: Drive | null }
/** A join table to read the page from, newest first: `table` rows of term `id` (they replace the `replaces` filter). */
interface Drive { table: string, column: string, id: number, replaces: Fragment }

function termFilter (db: Db, kind: keyof typeof TERM_LINKS, ids: number[]): TermFilter {
  const { table, column } = TERM_LINKS[kind]
  const json = idList(ids)
  const members = fragment(`articles.id in (select article_id from ${table} where ${column} in (select value from json_each(?)))`, json)
  const matching = untilWrite(db, 'lookups', `${kind}-articles|${json}`, () =>
    scalar<number>(db, fragment(`select coalesce(sum(article_count), 0) from ${kind} where id in (select value from json_each(?))`, json)) ?? 0)
  if (matching * 50 > archiveSize(db)) {
    // `+` keeps SQLite from probing the term index once per id: the article's few links
    // are read by article id and checked against the list (3× faster for a category tree).
    const probe = fragment(`exists (select 1 from ${table} where ${table}.article_id = articles.id and +${column} in (select value from json_each(?)))`, json)
    return { list: probe, count: members, drive: null }
  }
  return { list: members, count: members, drive: ids.length === 1 ? { table, column, id: ids[0], replaces: members } : null }
}

/** The highest article id: it only steers how a filter is written, so it is read once until the next write. */
function archiveSize (db: Db): number {
  return untilWrite(db, 'counts', 'articles|max-id', () => scalar<number>(db, fragment('select max(id) from articles')) ?? 0)
}

/** The ids a filter's keys (ids or slugs) name, kept until the next write. */
function namedIds (db: Db, table: typeof authors | typeof tags, keys: string): number[] {
  return untilWrite(db, 'lookups', `${getTableName(table)}|${keys}`, () => idsForKeys(db, table, splitKeys(keys)))
}

function sameFragment (a: Fragment, b: Fragment): boolean {
  return a.text === b.text && a.params.length === b.params.length && a.params.every((p, i) => p === b.params[i])
}

/** WHERE for the list filters and for its count; `null` when a filter names nothing, so the list is empty. */
interface Filters { where: Fragment[], count: Fragment[], drives: Drive[] }

function filters (db: Db, caller: Caller, query: ArticleListQuery, at: number): Filters | null {
  const where: Fragment[] = []
  const listOnly: Fragment[] = []
  const drives: Drive[] = []
  const countOnly: Fragment[] = []
  const visibility = visibleTo(caller, at)
  if (visibility) where.push(visibility)

  const statuses = query.status === undefined ? ['published'] : query.status === 'any' ? [] : splitKeys(query.status)
  if (caller.role === 'anonymous' && (query.status === 'any' || statuses.some((s) => s !== 'published'))) {
    throw new Unauthorized('The status filter needs an editor, admin or author key')
  }
  if (statuses.length) {
    const any = joinFragments(statuses.map((s) => statusCondition(s, at)), ') or (')
    // The public's default, `published`, is their visibility condition again. Said twice,
    // SQLite bounds the index range with one and checks the other on every row it steps
    // over: page 500's statement took ~580 µs against ~400 µs said once.
    if (!(visibility && sameFragment(any, visibility))) where.push(fragment(`(${any.text})`, ...any.params))
  }

  if (query.author !== undefined) {
    const ids = namedIds(db, authors, query.author)
    if (!ids.length) return null
    where.push(fragment('articles.author_id in (select value from json_each(?))', idList(ids)))
  }
  if (query.category !== undefined) {
    const keys = query.category
    const ids = untilWrite(db, 'lookups', `category-trees|${keys}`, () => descendantIds(db, idsForKeys(db, categories, splitKeys(keys))))
    if (!ids.length) return null
    const filter = termFilter(db, 'categories', ids)
    listOnly.push(filter.list)
    if (filter.drive) drives.push(filter.drive)
    countOnly.push(filter.count)
  }
  if (query.tag !== undefined) {
    const ids = namedIds(db, tags, query.tag)
    if (!ids.length) return null
    const filter = termFilter(db, 'tags', ids)
    listOnly.push(filter.list)
    if (filter.drive) drives.push(filter.drive)
    countOnly.push(filter.count)
  }
  if (query.featured !== undefined) where.push(fragment('articles.featured = ?', query.featured ? 1 : 0))
  // For the public, live_at equals published_at on every visible row and is indexed.
  const published = statuses.length === 1 && statuses[0] === 'published' ? 'articles.live_at' : 'articles.published_at'
  if (query.publishedAfter !== undefined) where.push(fragment(`${published} > ?`, Date.parse(query.publishedAfter)))
  if (query.publishedBefore !== undefined) where.push(fragment(`${published} < ?`, Date.parse(query.publishedBefore)))
  if (query.updatedSince !== undefined) where.push(fragment('articles.updated_at >= ?', Date.parse(query.updatedSince)))
  return { where: [...where, ...listOnly], count: [...where, ...countOnly], drives }
}

// Lists read the compact articles table; the body columns are joined only when asked for.
const { customExcerpt, ...listColumns } = getTableColumns(articles)
const heavy = { body: articleBodies.body, bodyHtml: articleBodies.bodyHtml, toc: articleBodies.toc }
const listReader = reader<Row>({ ...listColumns, publishedAtOrZero: 'coalesce(articles.published_at, 0)' })
const articleReader = reader<typeof articles.$inferSelect>(getTableColumns(articles))
const heavyReader = reader<Pick<ArticleRow, 'body' | 'bodyHtml' | 'toc'>>(heavy)
const bodyColumns = Object.values(heavy).map((column) => `(select ${columnName(column)} from article_bodies where article_bodies.article_id = articles.id)`).join(', ')

export interface ArticleList { page: Page<Row>, items: Row[] }

/** Readers of the body columns a list's `fields` ask for, made once per combination (there are eight). */
const bodyReaders = new Map<string, Reader<Row>>()

function bodyReader (fields: Set<string> | null): Reader<Row> {
  const names = Object.keys(heavy).filter((name) => fields?.has(name))
  const key = names.join(',')
  let found = bodyReaders.get(key)
  if (found === undefined) {
    found = reader<Row>(Object.fromEntries(names.map((name) => [name, heavy[name as keyof typeof heavy]])))
    bodyReaders.set(key, found)
  }
  return found
}

export function listArticles (db: Db, caller: Caller, query: ArticleListQuery, at: number): ArticleList {
  const publicOnly = query.status === undefined || query.status === 'published'
  const index = searchIndex(caller.role === 'anonymous')
  const expression = query.q === undefined ? null : matchExpression(db, index, query.q)
  const plan = planList(listSpec(publicOnly, expression !== null), query)
  if (plan.sort.some((s, i) => i > 0 && s.name === 'relevance')) throw new FieldError('/query/sort', '"relevance" can only be the first sort field')
  const filtered = filters(db, caller, query, at)
  if (filtered === null) return { page: finishPage(plan, [], 0), items: [] }
  const listKey = countKey(caller, query)
  // In relevance order the ranked hits say which rows match. Otherwise the matches are a filter.
  const search = expression === null
    ? null
    : { index, expression, ranked: ranking(db, index, expression, visibleTo(caller, at), scopeOf(caller), at, () => nextGoLive(db, at)) }
  const byRelevance = search !== null && plan.sort[0].name === 'relevance'
  if (search !== null) {
    const fts = index.table
    const matching = fragment(`articles.id in (select rowid from ${fts} where ${fts} match ?)`, search.expression)
    filtered.count.push(matching)
    if (!byRelevance) {
      // Newest first with a word found in more than one article in 50 (its newest 500
      // matches lie within the newest 25,000 ids), near the start of the list: walk the
      // live_at index and ask the index about each article, rather than first reading every
      // match (100 ms for a word in all 100,000). Not for an FTS5 prefix (`"w"*`), which
      // would merge its terms' document lists again for every article asked about.
      const { floor } = search.ranked
      const dense = floor !== null && (archiveSize(db) - floor) < 50 * RANKED_WINDOW
      const newestFirst = publicOnly && plan.sort[0].name === 'publishedAt' && plan.sort[0].desc
      const shallow = window(plan).offset < RANKED_WINDOW
      filtered.where.push(dense && newestFirst && shallow && !search.expression.includes('*')
        ? fragment(`exists (select 1 from ${fts} where ${fts} match ? and ${fts}.rowid = articles.id)`, search.expression)
        : matching)
    }
  }

  const extraReader = bodyReader(plan.fields)
  const bodies = extraReader.width ? 'join article_bodies on article_bodies.article_id = articles.id' : ''
  const columns = extraReader.width ? `${listReader.list}, ${extraReader.list}` : listReader.list
  const read = (values: unknown[]) => Object.assign(listReader.read(values), extraReader.read(values, listReader.width))
  const { limit, offset } = window(plan)
  let rows: Row[]
  if (byRelevance) {
    rows = rankedRows(db, { ...search, plan, where: filtered.where, columns, bodies, limit, offset })
      .map((values) => Object.assign(read(values), { searchRank: values[values.length - 1] }))
  } else {
    // Newest (or oldest) live first with one rare term: read that term's links in live_at
    // order and join each article, so the page costs the same whatever the archive's size.
    // The link's live_at and article_id equal the article's, so the order and cursor are
    // the same values, read from the index.
    const drive = publicOnly && plan.sort[0].name === 'publishedAt' ? filtered.drives[0] : undefined
    const ordered = drive === undefined ? plan : drivenPlan(plan, drive)
    const from = drive === undefined ? 'articles' : `${drive.table} join articles on articles.id = ${drive.table}.article_id`
    if (drive !== undefined) {
      filtered.where = filtered.where.filter((f) => f !== drive.replaces)
      filtered.where.push(fragment(`${drive.table}.${drive.column} = ? and ${drive.table}.live_at <= ?`, drive.id, at))
    }
    // A deep page starts from the nearest remembered position at or before it (see
    // pageMarks), and reads one row early when that is not its own start: the row marks it.
    const marks = offset > 0 ? pageMarks(db, listKey, plan, at) : null
    const mark = marks === null ? undefined : nearestMark(marks, offset)
    const skip = mark === undefined ? offset : offset - mark.position
    const early = marks !== null && skip > 0 ? 1 : 0
    const start = mark === undefined ? ordered : { ...ordered, after: mark.values }
    const where = whereAfterCursor(start, filtered.where)
    // Past the first page, the rows skipped are stepped over in the index alone: the page's
    // ids first (a covering scan of the live_at or link index), then only its rows. Stepping
    // over the table's own index costs more per entry (page 500 in a loop: ~0.47 → ~0.42 ms).
    // A subquery with an OFFSET is never merged into the outer query.
    const range = `where ${where.text} order by ${orderByText(ordered)}`
    rows = allRows(db, skip === 0
      ? fragment(`select ${columns} from ${from} ${bodies} ${range} ${limitText(limit)}`, ...where.params)
      : fragment(
        `select ${columns} from (select ${drive === undefined ? 'articles.id' : `${drive.table}.article_id`} as page_id ` +
          `from ${from} ${range} ${limitText(limit + early)} offset ?) as page ` +
          `join articles on articles.id = page.page_id ${bodies} order by ${orderByText(plan)}`,
        ...where.params, skip - early
      )).map(read)
    if (marks !== null) {
      if (early === 1 && rows.length > 0) remember(marks, offset, plan, rows.shift() as Row)
      if (rows.length > plan.perPage) remember(marks, offset + plan.perPage, plan, rows[plan.perPage - 1])
    }
  }

  const total = cachedCount(db, listKey, at, () => {
    const counted = allOf(filtered.count)
    return {
      value: scalar<number>(db, fragment(`select count(*) from articles ${whereText(counted)}`, ...counted.params)) ?? 0,
      validUntil: nextGoLive(db, at)
    }
  })
  const page = finishPage(plan, rows, total)
  const items = toListItems(db, page.rows as unknown as ArticleRow[], plan.fields, at)
  if (search !== null) addSearchHits(db, query.q as string, search.ranked, page.rows, items)
  return { page, items }
}

/**
 * Where deep pages start. OFFSET steps over every row before a page (page 500 of the
 * newest: 9,980 index entries, ~0.3 ms), while a cursor seeks straight to it. Each deep
 * read remembers the sort values of the row before its page and of its page's last row
 * (up to 64 per list), so that reading it again, or the page after it (a crawler walking
 * the archive), starts from there as from a cursor. Positions hold until the next write
 * or the next scheduled article going live, like the counts (src/db/count-cache.ts), and
 * are kept per caller's view, filters and sort. Another process's commit is noticed once
 * per request, before the handler: marks also keep the `data_version` they were found at,
 * so one committed in between cannot misplace a page. Only for sorts a cursor can seek
 * (seeksFromCursor).
 */
interface Mark { position: number, values: unknown[] }
interface Marks { version: number, positions: Map<number, unknown[]> }
const MARKS_PER_LIST = 64

/** The marks of the list `listKey` (countKey: the caller's view and filters) in this sort. */
function pageMarks (db: Db, listKey: string, plan: ListPlan, at: number): Map<number, unknown[]> | null {
  if (!seeksFromCursor(plan)) return null
  const version = dataVersion(db)
  const marks = remembered<Marks>(db, 'marks', `${listKey}|${plan.sortSignature}`, at, () => ({ value: { version, positions: new Map() }, validUntil: nextGoLive(db, at) }))
  if (marks.version !== version) {
    marks.version = version
    marks.positions.clear()
  }
  return marks.positions
}

function nearestMark (marks: Map<number, unknown[]>, offset: number): Mark | undefined {
  let found: Mark | undefined
  for (const [position, values] of marks) {
    if (position <= offset && (found === undefined || position > found.position)) found = { position, values }
  }
  return found
}

/** Rows after `row` start at `position`. A full list of marks starts over, keeping this one. */
function remember (marks: Map<number, unknown[]>, position: number, plan: ListPlan, row: Row) {
  if (marks.size >= MARKS_PER_LIST) marks.clear()
  marks.set(position, sortValues(plan, row))
}

/** One part of a relevance-ordered list, read in its own order. */
interface Part { from: Fragment, where: Fragment[], rank: string, plan: ListPlan }

interface RankedQuery {
  index: SearchIndex
  expression: string
  ranked: Ranking
  plan: ListPlan
  where: Fragment[]
  columns: string
  bodies: string
  limit: number
  offset: number
}

/**
 * A page in relevance order (src/articles/search.ts): the ranked window of hits, best
 * first, then, when more match than the window holds, the older matches with rank 0 in
 * the order of the rest of the sort (by id: newest first); `-relevance` reverses both.
 * A cursor names its part by its rank (0 only beyond the window), so each part is read
 * from where the page starts, with the offset that is left, until the page is full.
 * Each row ends with its rank.
 */
function rankedRows (db: Db, q: RankedQuery): unknown[][] {
  const rest = q.plan.sort.slice(1)
  const ranked: Part = {
    from: fragment(`(select value ->> 0 as id, value ->> 1 as rank from json_each(?)) as hits join articles on articles.id = hits.id ${q.bodies}`, q.ranked.hits),
    where: q.where,
    rank: 'hits.rank',
    plan: q.plan
  }
  const parts = [ranked]
  const fts = q.index.table
  if (q.ranked.floor !== null) {
    // Beyond the window the rank is 0 for all, so the order is the rest of the sort, with
    // ids read from the index (FTS5 returns its rows in rowid order).
    const older: Part = {
      from: fragment(`${fts} join articles on articles.id = ${fts}.rowid ${q.bodies}`),
      where: [...q.where, fragment(`${fts} match ? and ${fts}.rowid < ?`, q.expression, q.ranked.floor)],
      rank: '0',
      plan: { ...q.plan, sort: rest.map((s) => s.name === 'id' ? { ...s, key: { ...s.key, column: `${fts}.rowid` } } : s), after: null }
    }
    if (q.plan.sort[0].desc) parts.unshift(older)
    else parts.push(older)
  }
  const after = q.plan.after
  let start = 0
  if (after !== null) {
    const inOlder = after[0] === 0
    start = parts.findIndex((p) => (p.rank === '0') === inOlder)
    // A cursor from beyond a window that now holds every match: nothing follows, or (reversed) all of it.
    if (start < 0) return q.plan.sort[0].desc ? rankedRows(db, { ...q, plan: { ...q.plan, after: null } }) : []
    if (inOlder) parts[start].plan = { ...parts[start].plan, after: after.slice(1) }
  }
  const out: unknown[][] = []
  let offset = q.offset
  for (const [i, part] of parts.entries()) {
    if (i < start) continue
    const plan = i === start ? part.plan : { ...part.plan, after: null }
    const where = allOf([...part.where, afterCursorText(plan)])
    const rows = allRows(db, fragment(
      `select ${q.columns}, ${part.rank} from ${part.from.text} where ${where.text} order by ${orderByText(plan)} ${limitText(q.limit - out.length)} offset ?`,
      ...part.from.params, ...where.params, offset
    ))
    out.push(...rows)
    if (out.length >= q.limit) break
    if (offset > 0) {
      offset = rows.length ? 0 : Math.max(0, offset - (scalar<number>(db, fragment(`select count(*) from ${part.from.text} where ${where.text}`, ...part.from.params, ...where.params)) ?? 0))
    }
  }
  return out
}

/** The plan with publishedAt and id read from the driving link table (same values, its index). */
function drivenPlan (plan: ListPlan, drive: Drive): ListPlan {
  const columns: Record<string, string> = { publishedAt: `${drive.table}.live_at`, id: `${drive.table}.article_id` }
  return { ...plan, sort: plan.sort.map((s) => s.name in columns ? { ...s, key: { ...s.key, column: columns[s.name] } } : s) }
}

/**
 * Each hit carries `search: {rank, snippet}`: its bm25 rank within the ranked window
 * (0 beyond it), whatever order the list is in.
 */
function addSearchHits (db: Db, q: string, ranked: Ranking, rows: Row[], items: Row[]) {
  const ids = rows.map((r) => r.id as number)
  const marked = snippets(db, q, ids)
  items.forEach((item, i) => {
    item.search = { rank: ranked.ranks.get(ids[i]) ?? 0, snippet: marked.get(ids[i]) ?? '' }
  })
}


/** Everything that decides which rows a list counts: who asks and the filters, not the page. */
function countKey (caller: Caller, query: ArticleListQuery): string {
  const { page, perPage, cursor, sort, fields, ...filters } = query
  return `articles|${scopeOf(caller)}|${JSON.stringify(filters)}`
}

/** Whose view of the articles a caller has (see visibleTo). */
function scopeOf (caller: Caller): string {
  return isStaff(caller) ? 'staff' : caller.role === 'author' ? `author:${caller.authorId}` : 'public'
}

/** When the next scheduled article goes live (what the public sees changes then, with no write). */
function nextGoLive (db: Db, at: number): number {
  return scalar<number | null>(db, fragment("select min(published_at) from articles where status = 'scheduled' and published_at > ?", at)) ?? Number.POSITIVE_INFINITY
}

/**
 * Embeds for a whole page come from memory: each row carries its category and tag ids
 * (a copy of its links), and the summaries of authors, categories and tags not yet held
 * are read in at most one query per kind, whatever the page's size.
 */
function toListItems (db: Db, rows: ArticleRow[], fields: Set<string> | null, at: number): Row[] {
  const wants = (f: string) => fields === null || fields.has(f)
  const authorsById = wants('author') ? authorSummaries(db, rows.map((r) => r.authorId)) : []
  const categoryIds = wants('categories') ? rows.map((r) => linkIds(r.categoryIds)) : []
  const tagIds = wants('tags') ? rows.map((r) => linkIds(r.tagIds)) : []
  const categoriesById = termSummaries(db, 'categories', concatLists(categoryIds))
  const tagsById = termSummaries(db, 'tags', concatLists(tagIds))
  return rows.map((row, i) => {
    const item = toArticle(row, {
      author: authorsById[row.authorId] ?? null,
      categories: termsIn(categoriesById, categoryIds[i]),
      tags: termsIn(tagsById, tagIds[i])
    }, at, fields !== null)
    return fields === null ? item : pickFields(item, fields)
  })
}

/**
 * Rows of `table` by id as `read` maps them, held in memory as summaries of `kind`: those
 * not yet held are read in one query, whatever their number. `read` names the columns, so
 * only what it lists can be held (a profile never holds an email).
 */
function heldById<T> (db: Db, kind: SummaryKind, table: string, read: Reader<T>, ids: number[]): ById<T> {
  return summaries<T>(db, kind, ids, (missing) =>
    allRows(db, fragment(`select ${read.list} from ${table} where ${table}.id in (select value from json_each(?))`, idList(missing)))
      .map((values) => [values[0] as number, read.read(values)]))
}

const authorSummaryReader = reader<AuthorSummary>({ id: authors.id, slug: authors.slug, name: authors.name, avatarUrl: authors.avatarUrl })
const termReaders = {
  categories: reader<Term>({ id: categories.id, slug: categories.slug, name: categories.name }),
  tags: reader<Term>({ id: tags.id, slug: tags.slug, name: tags.name })
}

function authorSummaries (db: Db, ids: number[]): ById<AuthorSummary> {
  return heldById(db, 'authors', 'authors', authorSummaryReader, ids)
}

/** The ids in an article's `category_ids` or `tag_ids` ("3,14,15"; "" for none), read digit by digit. */
function linkIds (text: string): number[] {
  const ids: number[] = []
  let id = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 44) {
      ids.push(id)
      id = 0
    } else {
      id = id * 10 + c - 48
    }
  }
  if (text.length) ids.push(id)
  return ids
}

/** Category or tag summaries by id: from memory, those not yet held in one query. */
function termSummaries (db: Db, kind: 'categories' | 'tags', ids: number[]): ById<Term> {
  if (!ids.length) return []
  return heldById(db, kind, kind, termReaders[kind], ids)
}

/** The summaries of `ids` in their order (none for ids that no longer exist). */
function termsIn (byId: ById<Term>, ids: number[] | undefined): Term[] {
  const out: Term[] = []
  for (const id of ids ?? []) {
    const term = byId[id]
    if (term) out.push(term)
  }
  return out
}

interface Embeds { author: unknown, categories: Term[], tags: Term[] }

/**
 * The output mapper: a row and its embeds as the API shows them, fields in contract order.
 * List items leave out body, bodyHtml and toc unless `fields` names them (`withBody`):
 * they are undefined, which the serializer skips, so every item has one shape.
 */
function toArticle (row: Partial<ArticleRow> & ArticleRow, embeds: Embeds, at: number, withBody = true): Row {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    excerpt: row.excerpt,
    body: withBody ? row.body : undefined,
    bodyFormat: row.bodyFormat,
    bodyHtml: withBody ? row.bodyHtml : undefined,
    toc: withBody ? row.toc : undefined,
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

/** WHERE for the article behind a route key (id or slug), if the caller may see it. */
function keyVisibleTo (caller: Caller, key: string, at: number): Fragment {
  const k = parseKey(key)
  return allOf(['id' in k ? fragment('articles.id = ?', k.id) : fragment('articles.slug = ?', k.slug), visibleTo(caller, at)])
}

/** The row behind a route key, if the caller may see it. */
export function findArticleRow (db: Queryable, caller: Caller, key: string, at: number): ArticleRow | undefined {
  const where = keyVisibleTo(caller, key, at)
  // The body's columns as subqueries, not a join: SQLite took ~70 µs for the join of the
  // row and its ~13 KB body against ~20 µs for two separate reads, and the subqueries
  // cost about what the two reads do (bench/README.md, "Where the time goes"). Still one
  // statement, so the row and its body are always of one version.
  const values = oneRow(db, fragment(`select ${articleReader.list}, ${bodyColumns} from articles where ${where.text}`, ...where.params))
  return values && Object.assign(articleReader.read(values), heavyReader.read(values, articleReader.width))
}

/** The id of the article behind a route key, if the caller may see it (for reads of its comments). */
export function visibleArticleId (db: Queryable, caller: Caller, key: string, at: number): number | undefined {
  const where = keyVisibleTo(caller, key, at)
  return scalar<number>(db, fragment(`select articles.id from articles where ${where.text}`, ...where.params))
}

/** One article with the author's public profile and everything else. */
export function getArticle (db: Db, caller: Caller, key: string, at: number): Row | undefined {
  const row = findArticleRow(db, caller, key, at)
  return row && renderArticle(db, row, at)
}

const profileReader = reader<Row>({
  id: authors.id, slug: authors.slug, name: authors.name, bio: authors.bio,
  avatarUrl: authors.avatarUrl, website: authors.website, social: authors.social
})

/**
 * Authors' public profiles (bio, website, social as well as the summary's fields) by id,
 * held with the summaries: one article's page embeds one, and reading it cost ~15–25 µs
 * of a ~0.35 ms request (bench/queries.ts). Never an email: profileReader reads public columns only.
 */
function authorProfiles (db: Db, ids: number[]): ById<Row> {
  return heldById(db, 'profiles', 'authors', profileReader, ids)
}

export function renderArticle (db: Db, row: ArticleRow, at: number): Row {
  const categoryIds = linkIds(row.categoryIds)
  const tagIds = linkIds(row.tagIds)
  return toArticle(row, {
    author: authorProfiles(db, [row.authorId])[row.authorId],
    categories: termsIn(termSummaries(db, 'categories', categoryIds), categoryIds),
    tags: termsIn(termSummaries(db, 'tags', tagIds), tagIds)
  }, at)
}

export function countArticles (db: Db): number {
  return scalar<number>(db, fragment('select count(*) from articles')) ?? 0
}

/** List representations of the given articles that the caller may see, by id (for the change feed). */
export function articleListItems (db: Db, caller: Caller, ids: number[], at: number): Map<number, Row> {
  if (!ids.length) return new Map()
  const where = allOf([fragment('articles.id in (select value from json_each(?))', idList(ids)), visibleTo(caller, at)])
  const rows = allRows(db, fragment(`select ${listReader.list} from articles where ${where.text}`, ...where.params))
    .map((values) => listReader.read(values))
  const items = toListItems(db, rows as unknown as ArticleRow[], null, at)
  return new Map(items.map((item) => [item.id as number, item]))
}
