/**
 * Article writes. Each runs in one transaction: validation of references, the body
 * pipeline, the row, its categories and tags, and the counts it affects. A write that
 * throws changes nothing.
 */
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { appState, articleBodies, articleCategories, articles, articleTags, authors, categories, comments, tags, type FeaturedImage } from '../db/schema.js'
import { chooseSlug, missingIds } from '../db/lookups.js'
import { fragment, insertRows, runStatement } from '../db/raw.js'
import { deriveExcerpt, NestingTooDeep, plainTextHtml, renderArticleBody, type RenderedBody } from '../lib/content/article-body.js'
import { FieldError, Forbidden } from '../lib/errors.js'
import type { Caller } from '../lib/caller.js'
import { now } from '../lib/time.js'
import type { ArticleCreate, ArticleUpdate } from './schemas.js'

type ArticleRow = typeof articles.$inferSelect & { body: string }
type Status = ArticleRow['status']
type Tx = Queryable

export interface WriteOptions { iframeHosts: string[] }

/** Which articles, authors, categories and tags a change touched (for counts and caches). */
export interface Touched { articleIds: number[], authorIds: number[], categoryIds: number[], tagIds: number[] }

function checkReferences (tx: Tx, input: { authorId?: number, categoryIds?: number[], tagIds?: number[] }) {
  if (input.authorId !== undefined && missingIds(tx, authors, [input.authorId]).length) {
    throw new FieldError('/authorId', `author ${input.authorId} does not exist`)
  }
  const missingCategories = missingIds(tx, categories, input.categoryIds ?? [])
  if (missingCategories.length) throw new FieldError('/categoryIds', `categories ${missingCategories.join(', ')} do not exist`)
  const missingTags = missingIds(tx, tags, input.tagIds ?? [])
  if (missingTags.length) throw new FieldError('/tagIds', `tags ${missingTags.join(', ')} do not exist`)
}

/**
 * The status rules: `published` without a time takes now, and with a future time is
 * `scheduled`; `scheduled` needs a future time. live_at is publishedAt while the article
 * is published or scheduled, so that it becomes visible at its time by itself.
 */
function publication (status: Status, publishedAt: number | null, at: number): { status: Status, publishedAt: number | null, liveAt: number | null } {
  if (status === 'published') {
    const time = publishedAt ?? at
    return time > at ? { status: 'scheduled', publishedAt: time, liveAt: time } : { status, publishedAt: time, liveAt: time }
  }
  if (status === 'scheduled') {
    if (publishedAt === null || publishedAt <= at) throw new FieldError('/publishedAt', 'must be a future time when status is scheduled')
    return { status, publishedAt, liveAt: publishedAt }
  }
  return { status, publishedAt, liveAt: null }
}

/** A body through the pipeline (Markdown, sanitizer, heading ids), with what it was made from. */
export interface RenderedSource { body: string, format: 'markdown' | 'html', rendered: RenderedBody }

function renderSource (body: string, format: 'markdown' | 'html', options: WriteOptions): RenderedSource {
  try {
    return { body, format, rendered: renderArticleBody(body, format, { iframeHosts: options.iframeHosts }) }
  } catch (err) {
    if (err instanceof NestingTooDeep) throw new FieldError('/body', err.message)
    throw err
  }
}

/**
 * The body a PATCH will store, rendered before the write lock is taken (so that other
 * processes' writes need not wait for it), from the article as `read` finds it then.
 * Undefined when the PATCH leaves the body alone, or when `read` finds no article this
 * caller may change (then the checks under the lock answer 404, 403 or 412 as they would
 * have without it, and nothing was rendered for a refusal). `updateArticle` uses it if
 * the article's body and format are still those it was made from, and renders again
 * under the lock otherwise.
 */
export function renderAhead (read: () => ArticleRow | undefined, input: ArticleUpdate, options: WriteOptions): RenderedSource | undefined {
  if (input.body === undefined && input.bodyFormat === undefined) return undefined
  const current = read()
  if (current === undefined) return undefined
  return renderSource(input.body ?? current.body, input.bodyFormat ?? current.bodyFormat, options)
}

/** Whether `caller` may change the article at all (author keys: their own only). */
/** What an author key hears when the article is another author's. */
export const EDITS_OWN = 'An author key edits only its own author\'s articles'
export const DELETES_OWN = 'An author key deletes only its own author\'s articles'

export function mayEdit (caller: Caller, current: ArticleRow): boolean {
  return caller.role !== 'author' || current.authorId === caller.authorId
}

/** The body pipeline's output, split into the article's columns and its body row. */
function bodyColumns ({ body, format, rendered }: RenderedSource, customExcerpt: string | null) {
  return {
    article: {
      bodyFormat: format,
      wordCount: rendered.wordCount,
      readingTimeMinutes: rendered.readingTimeMinutes,
      customExcerpt,
      excerpt: customExcerpt ?? rendered.excerpt
    },
    body: { body, bodyHtml: rendered.html, bodyText: rendered.text, toc: rendered.toc }
  }
}

/**
 * The row's copy of its links (`category_ids`, `tag_ids`): ids comma-separated in their
 * order. Writes that set links set it in the same statement as the row's other changes.
 */
function idText (ids: number[] | undefined): string {
  return (ids ?? []).join(',')
}

const LINKS = {
  categories: { table: articleCategories, termId: articleCategories.categoryId, articleId: articleCategories.articleId, position: articleCategories.position },
  tags: { table: articleTags, termId: articleTags.tagId, articleId: articleTags.articleId, position: articleTags.position }
} as const

/**
 * The copy recomputed from the link table, for writes that remove links of many articles
 * at once (deleting a tag or a category): `set({ tagIds: linkedIds('tags') })`.
 */
export function linkedIds (kind: keyof typeof LINKS) {
  const { table, termId, articleId, position } = LINKS[kind]
  return sql`coalesce((select group_concat(${termId}, ',' order by ${position}) from ${table} where ${articleId} = ${articles.id}), '')`
}

/**
 * The articles that embed a summary which has just changed (a tag's or a category's name
 * or slug; an author's name, slug or avatar): their updatedAt moves on, so that the change
 * feed and `updatedSince` bring their list items to sync clients again, as deleting the
 * tag or category does.
 */
export function restampEmbedding (tx: Tx, embedded: { tagId: number } | { categoryId: number } | { authorId: number }, at: number) {
  const which = 'tagId' in embedded
    ? inArray(articles.id, tx.select({ id: articleTags.articleId }).from(articleTags).where(eq(articleTags.tagId, embedded.tagId)))
    : 'categoryId' in embedded
      ? inArray(articles.id, tx.select({ id: articleCategories.articleId }).from(articleCategories).where(eq(articleCategories.categoryId, embedded.categoryId)))
      : eq(articles.authorId, embedded.authorId)
  withoutArticleWebhooks(tx, () => tx.update(articles).set({ updatedAt: sql`max(${at}, ${articles.updatedAt} + 1)` }).where(which).run())
}

const RESTAMPING = 'restamping_embeds'

/**
 * Runs `work` (updates of many articles for a tag, category or author that changed) with
 * the flag that keeps the article webhook trigger quiet (migrations/0009): the change
 * feed logs each article, but subscribers get no article.updated per article, whose
 * payload would say nothing of the change. The flag lives only inside the transaction.
 */
export function withoutArticleWebhooks<T> (tx: Tx, work: () => T): T {
  // Only the call that set the flag clears it (a nested call finds it set).
  const { changes } = tx.insert(appState).values({ key: RESTAMPING, value: 1 }).onConflictDoNothing().run() as { changes: number }
  try {
    return work()
  } finally {
    if (changes === 1) tx.delete(appState).where(eq(appState.key, RESTAMPING)).run()
  }
}

/** Articles whose copy of their links differs from the link tables. */
const outOfStep = () => sql`${articles.categoryIds} is not ${linkedIds('categories')} or ${articles.tagIds} is not ${linkedIds('tags')}`

/** How many articles' copies of their links differ from the link tables (0 unless links were changed outside this code). */
export function linkCopiesOutOfStep (db: Queryable): number {
  return db.select({ n: sql<number>`count(*)` }).from(articles).where(outOfStep()).get()?.n ?? 0
}

/**
 * Rewrites the copy of their links on the articles where it differs from the link tables,
 * as after links were changed by something other than this code (an older build, a hand
 * edit). Returns how many articles it repaired; each records a change.
 */
export function repairLinkCopies (db: Db): number {
  return db.transaction((tx) => tx.update(articles)
    .set({ categoryIds: linkedIds('categories'), tagIds: linkedIds('tags') })
    .where(outOfStep())
    .run().changes)
}

export interface RerenderResult {
  rerendered: number
  unchanged: number
  /** Bodies the pipeline now refuses: their HTML became their escaped text. */
  refused: { id: number, reason: string }[]
  /** Articles whose body kept changing under the command (written by others each try). */
  skipped: number[]
}

const RERENDER_TRIES = 3

/**
 * Runs every article's stored source through the body pipeline again, with the current
 * settings (IFRAME_HOSTS) and sanitizer: after a host is removed from IFRAME_HOSTS, or an
 * upgrade of the Markdown renderer or sanitizer, stored HTML would otherwise keep what
 * the old rules let through. An article whose output changes gets it, with its word
 * count, excerpt (unless custom) and a new updatedAt, so that caches and sync clients
 * follow. A body the pipeline now refuses (stored before it nested too deeply to be
 * accepted) cannot be rendered again: its HTML becomes its plain text, escaped, so that
 * nothing the old rules let through stays, and it is reported for an editor to fix.
 * Batches are rendered outside the write lock and written only where what the render
 * was made from (body, format, custom excerpt) is unchanged; an article another write
 * changed meanwhile is read and rendered again, and reported if it never settles.
 */
export function rerenderBodies (db: Db, options: WriteOptions, batchSize = 200): RerenderResult {
  const result: RerenderResult = { rerendered: 0, unchanged: 0, refused: [], skipped: [] }
  for (let after = 0; ;) {
    let ids = db.select({ id: articles.id }).from(articles).where(gt(articles.id, after)).orderBy(articles.id).limit(batchSize).all().map((r) => r.id)
    if (ids.length === 0) return result
    after = ids[ids.length - 1]
    for (let tries = 0; ids.length && tries < RERENDER_TRIES; tries++) ids = rerenderOnce(db, ids, options, result)
    result.skipped.push(...ids)
  }
}

/** One try at the articles `ids`: renders them, writes those still as read; returns the ids to try again. */
function rerenderOnce (db: Db, ids: number[], options: WriteOptions, result: RerenderResult): number[] {
  const rows = db.select({
    id: articles.id,
    format: articles.bodyFormat,
    customExcerpt: articles.customExcerpt,
    excerpt: articles.excerpt,
    wordCount: articles.wordCount,
    readingTimeMinutes: articles.readingTimeMinutes,
    body: articleBodies.body,
    bodyHtml: articleBodies.bodyHtml,
    bodyText: articleBodies.bodyText,
    toc: articleBodies.toc
  }).from(articles).innerJoin(articleBodies, eq(articleBodies.articleId, articles.id)).where(inArray(articles.id, ids)).all()
  const changed: { row: typeof rows[number], body: Partial<typeof articleBodies.$inferInsert>, article: Partial<typeof articles.$inferInsert>, refused?: string }[] = []
  for (const row of rows) {
    let columns: ReturnType<typeof bodyColumns>
    try {
      columns = bodyColumns(renderSource(row.body, row.format, options), row.customExcerpt)
    } catch (err) {
      if (!(err instanceof FieldError)) throw err
      const html = plainTextHtml(row.bodyText)
      // Already its plain text (an earlier run): still reported, nothing to write.
      if (html === row.bodyHtml && row.toc.length === 0) result.refused.push({ id: row.id, reason: err.message })
      else changed.push({ row, body: { bodyHtml: html, toc: [] }, article: {}, refused: err.message })
      continue
    }
    const same = columns.body.bodyHtml === row.bodyHtml && columns.body.bodyText === row.bodyText &&
      JSON.stringify(columns.body.toc) === JSON.stringify(row.toc) && columns.article.excerpt === row.excerpt &&
      columns.article.wordCount === row.wordCount && columns.article.readingTimeMinutes === row.readingTimeMinutes
    if (same) {
      result.unchanged++
    } else {
      const { bodyFormat: _format, customExcerpt: _custom, ...derived } = columns.article
      changed.push({ row, body: columns.body, article: derived })
    }
  }
  const again: number[] = []
  db.transaction((tx) => {
    const at = now()
    for (const { row, body, article, refused } of changed) {
      // Only where the render's sources are as read: a title edit or a restamp is no reason to skip.
      const { changes } = tx.update(articles).set({ ...article, updatedAt: sql`max(${at}, ${articles.updatedAt} + 1)` })
        .where(and(eq(articles.id, row.id), eq(articles.bodyFormat, row.format), sql`${articles.customExcerpt} is ${row.customExcerpt}`,
          sql`exists (select 1 from ${articleBodies} where ${articleBodies.articleId} = ${row.id} and ${articleBodies.body} = ${row.body})`)).run()
      if (changes === 0) {
        again.push(row.id)
        continue
      }
      tx.update(articleBodies).set(body).where(eq(articleBodies.articleId, row.id)).run()
      if (refused === undefined) result.rerendered++
      else result.refused.push({ id: row.id, reason: refused })
    }
  })
  return again
}

/** Replaces the article's categories and tags with those given (`fresh`: a new article has none to remove). */
function setTerms (tx: Tx, articleId: number, categoryIds: number[] | undefined, tagIds: number[] | undefined, fresh = false) {
  if (categoryIds !== undefined) {
    if (!fresh) tx.delete(articleCategories).where(eq(articleCategories.articleId, articleId)).run()
    if (categoryIds.length) insertRows(tx, articleCategories, categoryIds.map((categoryId, position) => ({ articleId, categoryId, position })))
  }
  if (tagIds !== undefined) {
    if (!fresh) tx.delete(articleTags).where(eq(articleTags.articleId, articleId)).run()
    if (tagIds.length) insertRows(tx, articleTags, tagIds.map((tagId, position) => ({ articleId, tagId, position })))
  }
}

function termIds (tx: Tx, articleId: number) {
  return {
    categoryIds: tx.select({ id: articleCategories.categoryId }).from(articleCategories).where(eq(articleCategories.articleId, articleId)).all().map((r) => r.id),
    tagIds: tx.select({ id: articleTags.tagId }).from(articleTags).where(eq(articleTags.articleId, articleId)).all().map((r) => r.id)
  }
}

/** Recounts the visible articles of the authors, categories and tags a change touched. */
export function recount (tx: Tx | Db, touched: Omit<Touched, 'articleIds'>, at: number) {
  const authorIds = [...new Set(touched.authorIds)]
  const categoryIds = [...new Set(touched.categoryIds)]
  const tagIds = [...new Set(touched.tagIds)]
  if (authorIds.length) {
    tx.update(authors).set({
      articleCount: sql`(select count(*) from ${articles} where ${articles.authorId} = ${authors.id} and ${articles.liveAt} <= ${at})`
    }).where(inArray(authors.id, authorIds)).run()
  }
  if (categoryIds.length) {
    tx.update(categories).set({
      articleCount: sql`(select count(*) from ${articleCategories} join ${articles} on ${articles.id} = ${articleCategories.articleId} where ${articleCategories.categoryId} = ${categories.id} and ${articles.liveAt} <= ${at})`
    }).where(inArray(categories.id, categoryIds)).run()
  }
  if (tagIds.length) {
    tx.update(tags).set({
      articleCount: sql`(select count(*) from ${articleTags} join ${articles} on ${articles.id} = ${articleTags.articleId} where ${articleTags.tagId} = ${tags.id} and ${articles.liveAt} <= ${at})`
    }).where(inArray(tags.id, tagIds)).run()
  }
}

/**
 * A new article that is visible at once adds exactly one to the counts of its author,
 * categories and tags (recounting them would read every article of each).
 */
function countOneMore (tx: Tx, touched: Omit<Touched, 'articleIds'>) {
  for (const [table, ids] of [['authors', touched.authorIds], ['categories', touched.categoryIds], ['tags', touched.tagIds]] as const) {
    if (ids.length) runStatement(tx, fragment(`update ${table} set article_count = article_count + 1 where id in (select value from json_each(?))`, JSON.stringify(ids)))
  }
}

/** Author keys write only their own articles. */
function authorFor (caller: Caller, requested: number | undefined): number {
  if (caller.role === 'author') {
    if (requested !== undefined && requested !== caller.authorId) throw new Forbidden('An author key writes only its own author\'s articles')
    return caller.authorId as number
  }
  if (requested === undefined) throw new FieldError('/authorId', 'is required')
  return requested
}

export function createArticle (db: Db, caller: Caller, input: ArticleCreate, options: WriteOptions): { id: number, touched: Touched } {
  // Rendered before the write lock is taken: other processes' writes need not wait for it.
  const rendered = bodyColumns(renderSource(input.body ?? '', input.bodyFormat ?? 'markdown', options), input.excerpt ?? null)
  return db.transaction((tx) => {
    const at = now()
    const authorId = authorFor(caller, input.authorId)
    checkReferences(tx, { authorId, categoryIds: input.categoryIds, tagIds: input.tagIds })
    const slug = chooseSlug(tx, articles, input.slug, input.title, 'article')
    const pub = publication(input.status ?? 'draft', input.publishedAt == null ? null : Date.parse(input.publishedAt), at)
    const id = insertRows(tx, articles, [{
      slug,
      title: input.title,
      subtitle: input.subtitle ?? null,
      ...rendered.article,
      featuredImage: (input.featuredImage ?? null) as FeaturedImage | null,
      seo: normaliseSeo(input.seo),
      ...pub,
      featured: input.featured ?? false,
      authorId,
      commentStatus: input.commentStatus ?? 'open',
      categoryIds: idText(input.categoryIds),
      tagIds: idText(input.tagIds),
      createdAt: at,
      updatedAt: at
    }])
    insertRows(tx, articleBodies, [{ articleId: id, ...rendered.body }])
    setTerms(tx, id, input.categoryIds, input.tagIds, true)
    const touched = { articleIds: [id], authorIds: [authorId], categoryIds: input.categoryIds ?? [], tagIds: input.tagIds ?? [] }
    if (pub.liveAt !== null && pub.liveAt <= at) countOneMore(tx, touched)
    return { id, touched }
  })
}


function normaliseSeo (seo: ArticleCreate['seo']) {
  if (!seo) return null
  return { title: seo.title ?? null, description: seo.description ?? null, canonicalUrl: seo.canonicalUrl ?? null }
}

/**
 * Updates what the input names; `current` is the row the caller was allowed to see, and
 * `early` the new body if `renderAhead` rendered it.
 */
export function updateArticle (db: Db, caller: Caller, current: ArticleRow, input: ArticleUpdate, options: WriteOptions, early?: RenderedSource): Touched {
  return db.transaction((tx) => {
    const at = now()
    if (!mayEdit(caller, current)) throw new Forbidden(EDITS_OWN)
    const authorId = input.authorId === undefined ? current.authorId : authorFor(caller, input.authorId)
    checkReferences(tx, { authorId, categoryIds: input.categoryIds, tagIds: input.tagIds })
    const before = termIds(tx, current.id)
    const changes: Partial<typeof articles.$inferInsert> = { updatedAt: Math.max(at, current.updatedAt + 1), authorId }
    if (input.title !== undefined) changes.title = input.title
    if (input.slug !== undefined && input.slug !== current.slug) changes.slug = chooseSlug(tx, articles, input.slug, current.title, 'article', current.id)
    if (input.subtitle !== undefined) changes.subtitle = input.subtitle
    if (input.body !== undefined || input.bodyFormat !== undefined) {
      const customExcerpt = input.excerpt === undefined ? current.customExcerpt : input.excerpt
      const body = input.body ?? current.body
      const format = input.bodyFormat ?? current.bodyFormat
      const source = early !== undefined && early.body === body && early.format === format ? early : renderSource(body, format, options)
      const rendered = bodyColumns(source, customExcerpt)
      Object.assign(changes, rendered.article)
      tx.update(articleBodies).set(rendered.body).where(eq(articleBodies.articleId, current.id)).run()
    } else if (input.excerpt !== undefined) {
      // The body stays: no need to render it, only to derive the excerpt from its text again.
      const { text } = tx.select({ text: articleBodies.bodyText }).from(articleBodies).where(eq(articleBodies.articleId, current.id)).get()!
      changes.customExcerpt = input.excerpt
      changes.excerpt = input.excerpt ?? deriveExcerpt(text)
    }
    if (input.featuredImage !== undefined) changes.featuredImage = input.featuredImage as FeaturedImage | null
    // A field the input leaves out keeps its value; null clears it (or all, for seo: null).
    if (input.seo !== undefined) changes.seo = input.seo === null ? null : normaliseSeo({ ...current.seo, ...input.seo })
    if (input.featured !== undefined) changes.featured = input.featured
    if (input.commentStatus !== undefined) changes.commentStatus = input.commentStatus
    if (input.categoryIds !== undefined) changes.categoryIds = idText(input.categoryIds)
    if (input.tagIds !== undefined) changes.tagIds = idText(input.tagIds)
    if (input.status !== undefined || input.publishedAt !== undefined) {
      const requested = input.publishedAt === undefined ? current.publishedAt : input.publishedAt === null ? null : Date.parse(input.publishedAt)
      // A scheduled article whose time has passed is published, whatever the row still says.
      const currentStatus = current.status === 'scheduled' && current.publishedAt !== null && current.publishedAt <= at ? 'published' : current.status
      const status = input.status ?? currentStatus
      // Re-publishing keeps the original time unless a new one is given.
      Object.assign(changes, publication(status, requested, at))
    }
    tx.update(articles).set(changes).where(eq(articles.id, current.id)).run()
    setTerms(tx, current.id, input.categoryIds, input.tagIds)
    const touched = {
      articleIds: [current.id],
      authorIds: [current.authorId, authorId],
      categoryIds: [...before.categoryIds, ...(input.categoryIds ?? [])],
      tagIds: [...before.tagIds, ...(input.tagIds ?? [])]
    }
    recount(tx, touched, at)
    return touched
  })
}

export function deleteArticle (db: Db, caller: Caller, current: ArticleRow): Touched {
  return db.transaction((tx) => {
    if (!mayEdit(caller, current)) throw new Forbidden(DELETES_OWN)
    const before = termIds(tx, current.id)
    // Its comments first (the foreign key would cascade), while the article is still there
    // for the change log to tell whether each comment was public.
    tx.delete(comments).where(eq(comments.articleId, current.id)).run()
    tx.delete(articles).where(eq(articles.id, current.id)).run()
    const touched = { articleIds: [current.id], authorIds: [current.authorId], ...before }
    recount(tx, touched, now())
    return touched
  })
}

/**
 * Scheduled articles whose time has come become `published` (they are already visible
 * through live_at; this makes the row and the counts say so). Returns what it touched.
 */
export function publishDue (db: Db, at = now()): Touched | null {
  return db.transaction((tx) => {
    const due = tx.select({ id: articles.id, authorId: articles.authorId }).from(articles)
      .where(and(eq(articles.status, 'scheduled'), lte(articles.publishedAt, at))).all()
    if (!due.length) return null
    const ids = due.map((d) => d.id)
    tx.update(articles).set({ status: 'published', updatedAt: at }).where(inArray(articles.id, ids)).run()
    const terms = ids.map((id) => termIds(tx, id))
    const touched = {
      articleIds: ids,
      authorIds: due.map((d) => d.authorId),
      categoryIds: terms.flatMap((t) => t.categoryIds),
      tagIds: terms.flatMap((t) => t.tagIds)
    }
    recount(tx, touched, at)
    return touched
  })
}

/** The next time a scheduled article goes live, if any (for the scheduler's timer). */
export function nextScheduledAt (db: Db): number | null {
  const row = db.select({ at: sql<number | null>`min(${articles.publishedAt})` }).from(articles).where(eq(articles.status, 'scheduled')).get()
  return row?.at ?? null
}
