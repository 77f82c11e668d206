/**
 * Every list is answered through an index: no full table scan followed by a sort, checked
 * with EXPLAIN QUERY PLAN on the statements the app really runs, over a generated archive.
 * Embeds for a page come from a fixed number of queries, whatever its size (no N+1).
 */
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultSizes, generate } from '../bench/generate.js'
import { build } from './helpers.js'
import { recordQueries } from './query-log.js'
import { forgetSummaries } from '../src/db/summaries.js'

const path = join(mkdtempSync(join(tmpdir(), 'broadsheet-plans-')), 'plans.db')
generate(path, { ...defaultSizes(4000), tags: 400, authors: 100 }).$client.close()
const app = await build(t, { databasePath: path, responseCacheBytes: 0 })
const log = recordQueries(app)

const lists = [
  '/v1/articles', '/v1/articles?sort=publishedAt', '/v1/articles?sort=-updatedAt', '/v1/articles?sort=createdAt',
  '/v1/articles?sort=title', '/v1/articles?sort=-commentCount', '/v1/articles?author=author-3',
  '/v1/articles?featured=true', '/v1/articles?category=category-1', '/v1/articles?category=category-150',
  '/v1/articles?tag=tag-7', '/v1/articles?tag=tag-7,tag-8', '/v1/articles?publishedAfter=2025-01-01T00:00:00Z',
  '/v1/articles?page=50', '/v1/articles?tag=tag-7&page=2', '/v1/articles?sort=title&page=3',
  '/v1/articles?category=category-1&page=2', '/v1/articles?fields=title,body&page=2', '/v1/articles?q=harbour', '/v1/articles?q=harbour&sort=-publishedAt',
  '/v1/authors', '/v1/authors?sort=-articleCount', '/v1/categories', '/v1/categories?parent=root',
  '/v1/tags?sort=-articleCount', '/v1/tags?sort=name', '/v1/articles/article-10/comments', '/v1/changes'
]

for (const url of lists) {
  t.test(`${url} uses indexes`, async (t) => {
    const statements = await log.during(async () => {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200)
    })
    for (const statement of statements) {
      const plan = log.plan(statement)
      const fullScan = plan.find((line) => /^SCAN (articles|authors|tags|categories|comments|article_tags|article_categories)$/.test(line))
      t.notOk(fullScan, `no full table scan: ${statement.sql.slice(0, 80)}… → ${plan.join(' | ')}`)
      // A full-text MATCH shows as a virtual-table scan; ordering its hits is inherent to relevance.
      // json_each scans the list of ids given as one parameter, not a table. Past the first
      // page a list reads one page of ids in a subquery (`page`), then joins and sorts
      // those ≤ 101 rows: only the subquery's own plan counts.
      const ids = plan.includes('SCAN page') ? plan.slice(0, plan.indexOf('SCAN page')) : plan
      const sortsEverything = ids.some((line) => /^SCAN (?!json_each )(?!.*VIRTUAL TABLE INDEX \d+:M)/.test(line)) && ids.some((line) => /USE TEMP B-TREE FOR ORDER BY/.test(line))
      t.notOk(sortsEverything, `no scan plus sort: ${plan.join(' | ')}`)
      // SQLite plans with a bound LIMIT's value, so binding one makes it prepare the
      // statement again on every run: every list writes it into the text.
      t.notMatch(statement.sql, /\blimit \?/i, `the LIMIT is not bound: ${statement.sql.slice(0, 80)}…`)
      // A condition said twice is checked again on every row a deep page steps over.
      t.notMatch(statement.sql, /(articles\.live_at <= \?)\)? and \(+\1/, `live_at is bounded once: ${statement.sql.slice(0, 80)}…`)
    }
  })
}

t.test('a deep page read again starts where it was seen to start', async (t) => {
  const listOf = (statements: Array<{ sql: string, params: unknown[] }>) => statements.find((s) => s.sql.startsWith('select "articles"."id"'))
  // A filter no other test reads deep, so that no earlier read left a mark.
  const list = '/v1/articles?publishedAfter=2000-01-01T00:00:00Z'
  const first = listOf(await log.during(async () => { await app.inject(`${list}&page=40`) }))
  t.match(first?.sql, /offset \?/, 'the first read steps over the rows before it')
  t.equal(first?.params.at(-1), 779, 'from one row early, which marks where page 40 starts')
  for (const url of [`${list}&page=40`, `${list}&page=41`]) {
    const again = listOf(await log.during(async () => { await app.inject(url) }))
    t.notMatch(again?.sql, /offset/, `${url}: no offset`)
    t.match(again?.sql, /\(articles\.live_at, articles\.id\) < \(\?, \?\)/, `${url}: a seek from the mark`)
    // Given two upper bounds on live_at, SQLite may seek to `now` and step to the mark.
    t.match(again?.sql, /\(\+articles\.live_at <= \?\)/, `${url}: the visibility bound is kept out of the seek`)
    t.notMatch(again?.sql, /[^+]articles\.live_at <= \?/, `${url}: no other bound to seek to`)
  }
  // Through a tag's links: the link's live_at bound is the one to keep out of the seek.
  await app.inject('/v1/articles?tag=tag-9&page=2')
  const linked = listOf(await log.during(async () => { await app.inject('/v1/articles?tag=tag-9&page=2') }))
  t.match(linked?.sql, /\(article_tags\.live_at, article_tags\.article_id\) < \(\?, \?\)/, 'a tag page seeks its links from the mark')
  t.match(linked?.sql, /\+article_tags\.live_at <= \?/, 'and keeps the link bound out of the seek')
  t.match(log.plan(linked!).join(' | '), /article_tags_tag_live_idx \(tag_id=\? AND \(live_at,article_id\)<\(\?,\?\)\)/, 'the plan seeks to the mark')
  // Oldest first: the cursor is a lower bound, so publishedAfter is the one kept out; publishedBefore stays in.
  const range = '/v1/articles?sort=publishedAt&publishedAfter=2000-01-01T00:00:00Z&publishedBefore=2100-01-01T00:00:00Z&page=30'
  await app.inject(range)
  const oldest = listOf(await log.during(async () => { await app.inject(range) }))
  t.match(oldest?.sql, /\+articles\.live_at > \?/)
  t.match(oldest?.sql, /[^+]articles\.live_at < \?/)
  const mixed = listOf(await log.during(async () => { await app.inject('/v1/articles?sort=-commentCount,title&page=40') }))
  const mixedAgain = listOf(await log.during(async () => { await app.inject('/v1/articles?sort=-commentCount,title&page=40') }))
  t.equal(mixedAgain?.sql, mixed?.sql, 'a sort that goes both ways keeps its offset: its cursor condition would not seek')
  // Nor does a cursor of such a sort take the other bounds out of the seek: they are the only ones.
  const both = '/v1/articles?sort=-publishedAt,title&publishedBefore=2100-01-01T00:00:00Z'
  const cursor = (await app.inject(both)).json().meta.nextCursor
  const followed = listOf(await log.during(async () => { await app.inject(`${both}&cursor=${cursor}`) }))
  t.match(followed?.sql, /[^+]articles\.live_at < \?/, 'a mixed sort\'s cursor leaves publishedBefore in the seek')
  t.notMatch(followed?.sql, /\+articles\.live_at/)
})

t.test('a crawler walking page after page never steps over the pages before', async (t) => {
  const list = '/v1/articles?publishedBefore=2100-01-01T00:00:00Z&perPage=2'
  const seen: number[] = []
  for (let page = 1; page <= 90; page++) {
    const statements = await log.during(async () => { seen.push(...(await app.inject(`${list}&page=${page}`)).json().data.map((a: any) => a.id)) })
    const read = statements.find((s) => s.sql.startsWith('select "articles"."id"'))
    // Page 2 reads from one row early (page 1 leaves no mark). 90 pages leave more marks
    // than a list keeps: it starts over with the mark the last page left.
    if (page > 2) t.notMatch(read?.sql, /offset/, `page ${page} starts from the mark page ${page - 1} left`)
  }
  const whole = (await app.inject('/v1/articles?publishedBefore=2100-01-01T00:00:00Z&perPage=100')).json().data.map((a: any) => a.id)
  const rest = (await app.inject('/v1/articles?publishedBefore=2100-01-01T00:00:00Z&perPage=100&page=2')).json().data.map((a: any) => a.id)
  t.same(seen, [...whole, ...rest].slice(0, 180))
})

t.test('embeds come from a fixed number of queries (no N+1)', async (t) => {
  for (const url of ['/v1/articles', '/v1/articles?tag=tag-7', '/v1/articles/article-10/comments', '/v1/tags']) {
    // Summaries held in memory would hide queries: count from cold, both times.
    forgetSummaries(app.db)
    const small = await log.during(async () => { await app.inject(`${url}${url.includes('?') ? '&' : '?'}perPage=2`) })
    forgetSummaries(app.db)
    const large = await log.during(async () => { await app.inject(`${url}${url.includes('?') ? '&' : '?'}perPage=100&page=1`) })
    t.equal(large.length, small.length, `${url}: ${small.length} queries for 2 items, ${large.length} for 100`)
  }
  forgetSummaries(app.db)
  const one = await log.during(async () => { await app.inject('/v1/articles/article-10') })
  // The row (which carries its category and tag ids) with its body, the author, and the
  // category and tag summaries (cold).
  t.ok(one.length <= 4, `one article in ${one.length} queries`)
})
