/**
 * Comment writes. Each runs in one transaction together with the recount of its
 * article's `comment_count` (approved comments), so the count never disagrees with the
 * comments a reader can list. A write that throws changes nothing.
 */
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { articles, comments } from '../db/schema.js'
import { renderCommentBody } from '../lib/content/comment-body.js'
import { FieldError, NotFound } from '../lib/errors.js'
import { now } from '../lib/time.js'
import { findCommentRow } from './queries.js'
import { MAX_DEPTH, type CommentStatus } from './schemas.js'

/** What a comment write touched, in the shape `fastify.contentChanged` takes. */
export interface CommentTouched { commentIds: number[], articleIds: number[] }

export interface CommentInput {
  authorName: string
  authorEmail: string
  authorUrl?: string | null
  body: string
  parentId?: number
}

export interface CreateOptions {
  /** `pending` unless given (the demo loader creates approved comments). */
  status?: CommentStatus
  /** Milliseconds since the epoch; now unless given. */
  createdAt?: number
}

export interface CommentChanges {
  status?: CommentStatus
  body?: string
  authorName?: string
  authorUrl?: string | null
}

/** Sets the article's comment_count to its approved comments. */
function recountComments (tx: Queryable, articleId: number) {
  tx.update(articles).set({
    commentCount: sql`(select count(*) from ${comments} where ${comments.articleId} = ${articles.id} and ${comments.status} = 'approved')`
  }).where(eq(articles.id, articleId)).run()
}

/** A reply's depth, after checking that its parent is an approved comment of the same article. */
function replyDepth (tx: Queryable, articleId: number, parentId: number | undefined): number {
  if (parentId === undefined) return 1
  const parent = findCommentRow(tx, parentId)
  if (!parent || parent.articleId !== articleId || parent.status !== 'approved') {
    throw new FieldError('/parentId', `comment ${parentId} is not an approved comment of this article`)
  }
  if (parent.depth >= MAX_DEPTH) throw new FieldError('/parentId', `replies nest at most ${MAX_DEPTH} deep: comment ${parentId} cannot take a reply`)
  return parent.depth + 1
}

/**
 * Adds a comment to an article (whose visibility and comment status the caller has
 * checked). The body is stored as given; bodyHtml is its rendering as plain text.
 */
export function createComment (db: Db, articleId: number, input: CommentInput, options: CreateOptions = {}): { id: number } {
  return db.transaction((tx) => {
    const at = options.createdAt ?? now()
    const status = options.status ?? 'pending'
    const depth = replyDepth(tx, articleId, input.parentId)
    const row = tx.insert(comments).values({
      articleId,
      parentId: input.parentId ?? null,
      depth,
      authorName: input.authorName,
      authorEmail: input.authorEmail,
      authorUrl: input.authorUrl ?? null,
      body: input.body,
      bodyHtml: renderCommentBody(input.body),
      status,
      createdAt: at,
      updatedAt: at
    }).returning({ id: comments.id }).get()
    if (status === 'approved') recountComments(tx, articleId)
    return { id: row.id }
  })
}

/** Changes a comment's status and/or content (editors and admins). */
export function moderateComment (db: Db, id: number, changes: CommentChanges): CommentTouched {
  return db.transaction((tx) => {
    const current = findCommentRow(tx, id)
    if (!current) throw new NotFound('Comment')
    const set: Partial<typeof comments.$inferInsert> = { updatedAt: Math.max(now(), current.updatedAt + 1) }
    if (changes.status !== undefined) set.status = changes.status
    if (changes.authorName !== undefined) set.authorName = changes.authorName
    if (changes.authorUrl !== undefined) set.authorUrl = changes.authorUrl
    if (changes.body !== undefined) {
      set.body = changes.body
      set.bodyHtml = renderCommentBody(changes.body)
    }
    tx.update(comments).set(set).where(eq(comments.id, id)).run()
    if (changes.status !== undefined && changes.status !== current.status) recountComments(tx, current.articleId)
    // Readers see a reply's nearest approved ancestor as its parent (queries.ts): when this
    // comment is shown or hidden, that moves for the approved replies below it, which
    // then change too (in the change feed, as for a rename).
    let moved: number[] = []
    if ((current.status === 'approved') !== ((changes.status ?? current.status) === 'approved')) {
      moved = descendantIds(tx, id)
      if (moved.length) {
        tx.update(comments).set({ updatedAt: sql`max(${comments.updatedAt} + 1, ${set.updatedAt})` })
          .where(and(inArray(comments.id, moved), eq(comments.status, 'approved'))).run()
      }
    }
    return { commentIds: [id, ...moved], articleIds: [current.articleId] }
  })
}

/** The ids of every reply below a comment, at any depth. */
function descendantIds (tx: Queryable, id: number): number[] {
  return tx.all<{ id: number }>(sql`
    with recursive below(id) as (
      select ${comments.id} from ${comments} where ${comments.parentId} = ${id}
      union all
      select c.id from ${comments} c join below on c.parent_id = below.id
    )
    select id from below`).map((r) => r.id)
}

/**
 * Deletes a comment for good. Its replies move up to its parent (or to the top level),
 * and every comment below it rises one level, so depth stays parent depth + 1.
 */
export function deleteComment (db: Db, id: number): CommentTouched {
  return db.transaction((tx) => {
    const current = findCommentRow(tx, id)
    if (!current) throw new NotFound('Comment')
    const below = descendantIds(tx, id)
    const at = now()
    if (below.length) {
      tx.update(comments).set({ depth: sql`${comments.depth} - 1`, updatedAt: sql`max(${comments.updatedAt} + 1, ${at})` })
        .where(inArray(comments.id, below)).run()
      tx.update(comments).set({ parentId: current.parentId }).where(eq(comments.parentId, id)).run()
    }
    tx.delete(comments).where(eq(comments.id, id)).run()
    if (current.status === 'approved') recountComments(tx, current.articleId)
    return { commentIds: [id, ...below], articleIds: [current.articleId] }
  })
}
