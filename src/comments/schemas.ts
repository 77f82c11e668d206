/**
 * Comment contracts. Three views of one row, so that a private column can never leak
 * through a public route: `Comment` (what readers see), `SubmittedComment` (the answer
 * to a submission: the public view plus its status) and `ModeratedComment` (editors and
 * admins: everything, including `authorEmail`). Response serialization drops any
 * property a schema does not declare.
 */
import { Type, type Static } from 'typebox'
import { Nullable, Timestamp } from '../lib/schemas.js'
import { listQueryProperties, queryObject } from '../lib/list.js'

export const COMMENT_STATUSES = ['pending', 'approved', 'spam', 'trash'] as const
export type CommentStatus = typeof COMMENT_STATUSES[number]

/** Replies nest at most this deep (a top-level comment has depth 1). */
export const MAX_DEPTH = 5

export const CommentStatusSchema = Type.Enum([...COMMENT_STATUSES], {
  description: '`pending` (every submission starts here) | `approved` (shown to readers) | `spam` | `trash`'
})

const publicProperties = {
  id: Type.Integer(),
  articleId: Type.Integer(),
  parentId: Nullable(Type.Integer({ description: 'The comment this replies to; null at the top level. Readers see the nearest comment they can: if the parent is no longer approved, its nearest approved ancestor, or null (the reply then shows at the top level). The moderation API (`/v1/comments`) gives the parent itself.' })),
  authorName: Type.String(),
  authorUrl: Nullable(Type.String()),
  body: Type.String({ description: 'Plain text, as submitted' }),
  bodyHtml: Type.String({ description: 'The body as HTML: any markup in it shown as text, paragraphs and line breaks kept, bare http(s) URLs linked with rel="nofollow ugc noopener"' }),
  createdAt: Timestamp
}

export const CommentSchema = Type.Object(publicProperties, {
  $id: 'Comment',
  title: 'Comment',
  description: 'An approved comment as readers see it'
})

export const SubmittedCommentSchema = Type.Object({
  ...publicProperties,
  status: CommentStatusSchema
}, {
  $id: 'SubmittedComment',
  title: 'SubmittedComment',
  description: 'A new comment: `pending` until an editor approves it'
})

const moderatedProperties = {
  id: publicProperties.id,
  articleId: publicProperties.articleId,
  parentId: publicProperties.parentId,
  depth: Type.Integer({ minimum: 1, maximum: MAX_DEPTH, description: '1 for a top-level comment, parent depth + 1 for a reply' }),
  authorName: publicProperties.authorName,
  authorEmail: Type.String({ description: 'Never shown to anyone but editors and admins' }),
  authorUrl: publicProperties.authorUrl,
  body: publicProperties.body,
  bodyHtml: publicProperties.bodyHtml,
  status: CommentStatusSchema,
  createdAt: Timestamp,
  updatedAt: Timestamp
}

export const ModeratedCommentSchema = Type.Object(moderatedProperties, {
  $id: 'ModeratedComment',
  title: 'ModeratedComment',
  description: 'A comment as editors and admins see it, with `authorEmail` and `status`'
})

const { id, ...optionalModerated } = moderatedProperties
export const ModeratedCommentListItemSchema = Type.Object({
  id,
  ...Type.Partial(Type.Object(optionalModerated)).properties
}, {
  $id: 'ModeratedCommentListItem',
  title: 'ModeratedCommentListItem',
  description: 'A comment in the moderation list: every field, or only those named in `fields` (plus id)'
})

export const MODERATED_FIELDS = Object.keys(moderatedProperties)

// Only the public names of the sort keys; the columns are bound in queries.ts.
export const moderationListNames = { sortable: ['createdAt'], defaultSort: '-createdAt', fields: MODERATED_FIELDS }

const { page, perPage, cursor } = listQueryProperties(moderationListNames)

export const PublicCommentListQuery = queryObject({ page, perPage, cursor })
export type PublicCommentListQuery = Static<typeof PublicCommentListQuery>

const STATUS = COMMENT_STATUSES.join('|')
export const ModerationListQuery = queryObject({
  ...listQueryProperties(moderationListNames),
  status: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: `^(${STATUS})(,(${STATUS}))*$`,
    description: 'A comma list of statuses (`pending`, `approved`, `spam`, `trash`) meaning any. Default: every status.'
  }),
  article: Type.String({
    minLength: 1,
    maxLength: 1000,
    pattern: '^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)(,([0-9]+|[a-z0-9]+(-[a-z0-9]+)*))*$',
    description: 'Article: an id or slug, or a comma list of them meaning any'
  })
})
export type ModerationListQuery = Static<typeof ModerationListQuery>

// A name must show something: at least one character that is not white space.
const authorName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: '1–100 characters' })
const authorUrl = Nullable(Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://', description: 'An http:// or https:// URL' }))
const body = Type.String({ minLength: 1, maxLength: 5000, pattern: '\\S', description: 'Plain text, 1–5,000 characters; HTML in it is shown as text' })

export const CommentCreate = Type.Object({
  authorName,
  authorEmail: Type.String({ format: 'email', maxLength: 254, description: 'Shown to editors and admins only' }),
  authorUrl: Type.Optional(authorUrl),
  body,
  parentId: Type.Optional(Type.Integer({ minimum: 1, description: 'An approved comment of the same article to reply to; replies nest at most 5 deep' })),
  website: Type.Optional(Type.String({ description: 'Leave empty; filled in only by bots. A submission that fills it is answered as usual but never shown.' }))
}, { $id: 'CommentCreate', title: 'CommentCreate', additionalProperties: false })
export type CommentCreate = Static<typeof CommentCreate>

export const CommentUpdate = Type.Object({
  status: Type.Optional(CommentStatusSchema),
  body: Type.Optional(body),
  authorName: Type.Optional(authorName),
  authorUrl: Type.Optional(authorUrl)
}, { $id: 'CommentUpdate', title: 'CommentUpdate', additionalProperties: false, minProperties: 1 })
export type CommentUpdate = Static<typeof CommentUpdate>

export const commentSchemas = [
  CommentSchema,
  SubmittedCommentSchema,
  ModeratedCommentSchema,
  ModeratedCommentListItemSchema,
  CommentCreate,
  CommentUpdate
]
