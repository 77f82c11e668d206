/**
 * Comment reads. Readers get approved comments of an article they may see, through the
 * public mapper (no email, no status); editors and admins get every comment through the
 * moderation mapper. The two mappers are the only places a row becomes output.
 */
import { and, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { articles, comments } from '../db/schema.js'
import { idsForKeys } from '../db/lookups.js'
import { columnName, fragment, reader } from '../db/raw.js'
import { readPage } from '../db/pages.js'
import { findArticleRow, visibleArticleId } from '../articles/queries.js'
import { pickFields, planList, type ListSpec, type Page } from '../lib/list.js'
import { selectPage } from '../db/pages.js'
import type { Caller } from '../lib/caller.js'
import { Forbidden, NotFound } from '../lib/errors.js'
import { iso } from '../lib/time.js'
import { moderationListNames, type CommentStatus, type ModerationListQuery, type PublicCommentListQuery } from './schemas.js'

export type CommentRow = typeof comments.$inferSelect
type ArticleRow = typeof articles.$inferSelect

/** What readers see. */
export function toPublicComment (row: Omit<CommentRow, 'authorEmail'>) {
  return {
    id: row.id,
    articleId: row.articleId,
    parentId: row.parentId,
    authorName: row.authorName,
    authorUrl: row.authorUrl,
    body: row.body,
    bodyHtml: row.bodyHtml,
    createdAt: iso(row.createdAt)
  }
}

/** The answer to a submission: what readers would see, and that it waits for moderation. */
export function toSubmittedComment (row: CommentRow, status: CommentStatus = row.status) {
  return { ...toPublicComment(row), status }
}

/** What editors and admins see. */
export function toModeratedComment (row: CommentRow) {
  return {
    id: row.id,
    articleId: row.articleId,
    parentId: row.parentId,
    depth: row.depth,
    authorName: row.authorName,
    authorEmail: row.authorEmail,
    authorUrl: row.authorUrl,
    body: row.body,
    bodyHtml: row.bodyHtml,
    status: row.status,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt)
  }
}

export function findCommentRow (db: Queryable, id: number): CommentRow | undefined {
  return db.select().from(comments).where(eq(comments.id, id)).get()
}

/** The article behind a route key that the caller may comment on: 404 if they may not see it, 403 if comments are closed. */
export function commentableArticle (db: Db, caller: Caller, key: string, at: number): ArticleRow {
  const article = findArticleRow(db, caller, key, at)
  if (!article) throw new NotFound('Article')
  if (article.commentStatus === 'closed') throw new Forbidden('Comments are closed on this article')
  return article
}

export interface CommentList { page: Page<CommentRow>, items: Record<string, unknown>[] }
interface PublicCommentList { page: Page<Omit<CommentRow, 'authorEmail'>>, items: Record<string, unknown>[] }

// Oldest first, ties by id: the order a conversation is read in. The public list is
// read under every article page, so its statements are hand-written (src/db/raw.ts) and
// its sort keys are SQL text.
const publicSpec: ListSpec = {
  sortable: { createdAt: { column: columnName(comments.createdAt), key: 'createdAt' } },
  defaultSort: 'createdAt',
  id: { column: columnName(comments.id), key: 'id' },
  fields: []
}

// Readers' rows never hold the email, not even in memory.
const { authorEmail, ...publicColumns } = getTableColumns(comments)
const publicReader = reader<Omit<CommentRow, 'authorEmail'>>(publicColumns)

const moderationSpec: ListSpec = {
  sortable: { createdAt: { column: comments.createdAt, key: 'createdAt' } },
  defaultSort: moderationListNames.defaultSort,
  id: { column: comments.id, key: 'id' },
  fields: moderationListNames.fields
}

/** Approved comments of an article the caller may see, or undefined when they may not see it. */
export function listArticleComments (db: Db, caller: Caller, key: string, query: PublicCommentListQuery, at: number): PublicCommentList | undefined {
  const articleId = visibleArticleId(db, caller, key, at)
  if (articleId === undefined) return undefined
  const approved = fragment("comments.article_id = ? and comments.status = 'approved'", articleId)
  const page = readPage(db, 'comments', publicReader, planList(publicSpec, query), approved)
  return { page, items: toReaderComments(db, page.rows) }
}

/** Approved comments as readers see them, each reply naming the nearest comment they can see. */
export function toReaderComments (db: Db, rows: Array<Omit<CommentRow, 'authorEmail'>>) {
  const parents = visibleParents(db, rows)
  return rows.map((row) => toPublicComment(row.parentId === null ? row : { ...row, parentId: parents.get(row.parentId) ?? null }))
}

/**
 * For the parents of `rows` (approved comments), the nearest ancestor readers see: the
 * parent itself when approved, else its nearest approved ancestor, else none. A reply
 * stays public when the comment it answers is trashed, marked spam or sent back to
 * moderation, and must not point readers at a comment they cannot see (WordPress shows
 * such replies at the top level). Deleting a comment moves its replies up for good.
 */
function visibleParents (db: Db, rows: Array<{ id: number, parentId: number | null }>): Map<number, number | null> {
  const approved = new Set(rows.map((row) => row.id))
  const found = new Map<number, { parentId: number | null, approved: boolean }>()
  let wanted = [...new Set(rows.map((row) => row.parentId).filter((id): id is number => id !== null && !approved.has(id)))]
  // Each round reads one level further up, for the ancestors not yet known.
  while (wanted.length) {
    const read = db.select({ id: comments.id, parentId: comments.parentId, status: comments.status }).from(comments).where(inArray(comments.id, wanted)).all()
    for (const row of read) found.set(row.id, { parentId: row.parentId, approved: row.status === 'approved' })
    wanted = [...new Set(read.filter((row) => row.status !== 'approved' && row.parentId !== null && !found.has(row.parentId)).map((row) => row.parentId!))]
  }
  const nearest = (id: number | null): number | null => {
    // At most one step per comment read: a cycle (none can be written) ends the walk.
    for (let at = id, steps = 0; at !== null && steps <= found.size; steps++) {
      if (approved.has(at)) return at
      const row = found.get(at)
      if (!row) return null
      if (row.approved) return at
      at = row.parentId
    }
    return null
  }
  const out = new Map<number, number | null>()
  for (const row of rows) if (row.parentId !== null) out.set(row.parentId, nearest(row.parentId))
  return out
}

const splitKeys = (raw: string) => [...new Set(raw.split(','))]

/** Every comment, for editors and admins, filtered by status and article. */
export function listComments (db: Db, query: ModerationListQuery): CommentList {
  const where: SQL[] = []
  if (query.status !== undefined) where.push(inArray(comments.status, splitKeys(query.status) as CommentStatus[]))
  if (query.article !== undefined) {
    const ids = idsForKeys(db, articles, splitKeys(query.article))
    // An article filter that names no article matches nothing.
    where.push(ids.length ? inArray(comments.articleId, ids) : sql`0`)
  }
  const filter = where.length ? and(...where) : undefined
  const page = selectPage<typeof comments.$inferSelect>(db, comments, planList(moderationSpec, query), filter)
  return { page, items: page.rows.map((row) => pickFields(toModeratedComment(row), page.plan.fields)) }
}

export function getModeratedComment (db: Db, id: number) {
  const row = findCommentRow(db, id)
  return row && toModeratedComment(row)
}
