/**
 * Comments: readers list and submit them under an article; editors and admins moderate
 * them under /comments. Registered under /v1 with no prefix of its own, so paths are full.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import rateLimit from '@fastify/rate-limit'
import { sharedRateLimitStore } from '../lib/shared-rate-limit.js'
import { workerSlot } from '../cluster.js'
import { Type } from 'typebox'
import { IdParams, KeyParams, Many, One, Ref, optionalAuth, problemResponse, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { NotFound, TooManyRequests } from '../lib/errors.js'
import { now } from '../lib/time.js'
import {
  CommentCreate, CommentSchema, CommentUpdate, ModeratedCommentListItemSchema, ModeratedCommentSchema,
  ModerationListQuery, PublicCommentListQuery, SubmittedCommentSchema
} from './schemas.js'
import { commentableArticle, findCommentRow, getModeratedComment, listArticleComments, listComments, toModeratedComment, toSubmittedComment } from './queries.js'
import { createComment, deleteComment, moderateComment } from './mutations.js'
import { writeLocked } from '../db/client.js'


const MODERATORS = ['admin', 'editor'] as const
const COMMENT_BODY_LIMIT = 128 * 1024
const ifMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String()) })

const rateLimited = {
  ...problems(429)[429] as object,
  headers: { 'retry-after': { type: 'integer', description: 'Seconds until another comment will be accepted' } }
}

const commentRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  // https://github.com/fastify/fastify-rate-limit. Encapsulated here and off by default:
  // only the submission route opts in, so reads are never limited. Its 429 is thrown
  // into our error handler, which writes the problem document; Retry-After is already set.
  // With WORKERS the primary keeps the count, so the allowance is one for all workers.
  await fastify.register(rateLimit, {
    global: false,
    store: sharedRateLimitStore(workerSlot()),
    // The plugin's own key: the client address, IPv6 ones by their /64 network, so that a
    // client cannot take a new allowance with each address of its prefix.
    errorResponseBuilder: (_request, context) => new TooManyRequests(context.after)
  })

  fastify.get('/articles/:key/comments', {
    schema: {
      operationId: 'listArticleComments',
      tags: ['comments'],
      summary: 'List the approved comments of an article',
      description: 'Approved comments only, oldest first (ties by id), flat: thread them by `parentId`. 404 when the article is not visible to the caller.',
      security: optionalAuth,
      params: KeyParams,
      querystring: PublicCommentListQuery,
      response: { 200: Many(Ref(CommentSchema)), ...problems(400, 401, 404) }
    }
  }, async (request, reply) => {
    const list = listArticleComments(db, request.caller, request.params.key, request.query, now())
    if (!list) throw new NotFound('Article')
    return sendList(request, reply, list.page, list.items)
  })

  fastify.post('/articles/:key/comments', {
    // Counted once the submission is valid (preHandler, after validation): a reader who
    // fixes a typo the 400 named is not locked out for a minute, as WordPress's flood
    // check counts only comments it stored.
    config: { rateLimit: { max: fastify.config.commentRateLimit, timeWindow: '1 minute', hook: 'preHandler' } },
    // A comment is at most 5,000 characters: a body is read before the allowance is
    // counted, so it is kept small rather than the 1 MiB of other writes.
    bodyLimit: COMMENT_BODY_LIMIT,
    schema: {
      operationId: 'createComment',
      tags: ['comments'],
      summary: 'Submit a comment',
      description: 'Anyone may comment on a visible article whose comments are open. The comment is `pending` until an editor approves it. ' +
        'The body is plain text. Submissions are limited per client address (`COMMENT_RATE_LIMIT` a minute, default 5; an IPv6 address counts with its /64 network); one the schema refuses (a 400 naming a missing or malformed field) does not count. ' +
        'A submission that fills the `website` honeypot gets the same answer but is stored as `spam` and never shown.',
      security: optionalAuth,
      params: KeyParams,
      body: Ref(CommentCreate),
      response: {
        201: {
          description: 'Received: pending moderation',
          headers: { location: { type: 'string', description: 'The comment in the moderation API: /v1/comments/{id}' } },
          content: { 'application/json': { schema: One(Ref(SubmittedCommentSchema)) } }
        },
        ...problems(400, 401, 403, 404, 415),
        413: problemResponse('Request body over 128 KB (a comment is at most 5,000 characters)'),
        429: rateLimited
      }
    }
  }, async (request, reply) => {
    const { website, ...input } = request.body as CommentCreate
    // Bots fill every field; people never see this one. Keep what they send, as spam,
    // so that an editor can rescue a person whose browser filled it in.
    const caughtByHoneypot = website !== undefined && website.trim() !== ''
    const { article, id } = writeLocked(db, () => {
      const article = commentableArticle(db, request.caller, request.params.key, now())
      return { article, ...createComment(db, article.id, input, { status: caughtByHoneypot ? 'spam' : 'pending' }) }
    })
    fastify.contentChanged({ commentIds: [id], articleIds: [article.id] })
    return sendCreated(request, reply, toSubmittedComment(findCommentRow(db, id)!, 'pending'), `${fastify.prefix}/comments/${id}`)
  })

  fastify.get('/comments', {
    preValidation: fastify.allow(...MODERATORS),
    schema: {
      operationId: 'listComments',
      tags: ['comments'],
      summary: 'List comments for moderation',
      description: 'Every comment in any status, with `authorEmail` and `status`, newest first by default. Editors and admins.',
      security: secured,
      querystring: ModerationListQuery,
      response: { 200: Many(Ref(ModeratedCommentListItemSchema)), ...problems(400, 401, 403) }
    }
  }, async (request, reply) => {
    const { page, items } = listComments(db, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.get('/comments/:id', {
    preValidation: fastify.allow(...MODERATORS),
    schema: {
      operationId: 'getComment',
      tags: ['comments'],
      summary: 'Get one comment for moderation',
      security: secured,
      params: IdParams,
      response: { 200: One(Ref(ModeratedCommentSchema)), ...problems(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    const comment = getModeratedComment(db, Number(request.params.id))
    if (!comment) throw new NotFound('Comment')
    return sendOne(reply, comment)
  })

  fastify.patch('/comments/:id', {
    preValidation: fastify.allow(...MODERATORS),
    schema: {
      operationId: 'moderateComment',
      tags: ['comments'],
      summary: 'Moderate a comment',
      description: 'Changes its `status` and, to correct it, its `body`, `authorName` or `authorUrl`. The article\'s `commentCount` follows approvals. `If-Match` with the ETag you read makes it fail with 412 if the comment changed since.',
      security: secured,
      params: IdParams,
      headers: ifMatchHeaders,
      body: Ref(CommentUpdate),
      response: { 200: One(Ref(ModeratedCommentSchema)), ...problems(400, 401, 403, 404, 412, 413, 415) }
    }
  }, async (request, reply) => {
    const id = Number(request.params.id)
    const touched = writeLocked(db, () => {
      const current = findCommentRow(db, id)
      if (!current) throw new NotFound('Comment')
      checkIfMatch(request, toModeratedComment(current))
      return moderateComment(db, id, request.body as CommentUpdate)
    })
    fastify.contentChanged(touched)
    return sendOne(reply, getModeratedComment(db, id))
  })

  fastify.delete('/comments/:id', {
    preValidation: fastify.allow(...MODERATORS),
    schema: {
      operationId: 'deleteComment',
      tags: ['comments'],
      summary: 'Delete a comment for good',
      description: 'Its replies move up to its parent (or to the top level). To hide a comment but keep it, set its status to `trash` instead.',
      security: secured,
      params: IdParams,
      headers: ifMatchHeaders,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 412) }
    }
  }, async (request, reply) => {
    const id = Number(request.params.id)
    fastify.contentChanged(writeLocked(db, () => {
      const current = findCommentRow(db, id)
      if (!current) throw new NotFound('Comment')
      checkIfMatch(request, toModeratedComment(current))
      return deleteComment(db, id)
    }))
    return reply.code(204).send(null)
  })
}

export default commentRoutes
