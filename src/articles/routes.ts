import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { KeyParams, Many, One, Ref, optionalAuth, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatchBytes, newItemUrl, sendSerialized } from '../lib/http.js'
import { Forbidden, NotFound } from '../lib/errors.js'
import { now } from '../lib/time.js'
import { ArticleCreate, ArticleListItemSchema, ArticleListQuery, ArticleSchema, ArticleUpdate } from './schemas.js'
import { findArticleRow, getArticle, listArticles, renderArticle } from './queries.js'
import { DELETES_OWN, EDITS_OWN, createArticle, deleteArticle, mayEdit, renderAhead, updateArticle } from './mutations.js'
import { writeLocked } from '../db/client.js'

const WRITERS = ['admin', 'editor', 'author'] as const

// One article as GET sends it: its bytes are what the ETag hashes and If-Match compares.
const OneArticle = One(Ref(ArticleSchema))


const articleRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  const writeOptions = { iframeHosts: config.iframeHosts }

  fastify.get('/', {
    schema: {
      operationId: 'listArticles',
      tags: ['articles'],
      summary: 'List articles',
      description: 'Published articles, newest first. Lists embed author, categories and tags as summaries and leave out body, bodyHtml and toc unless `fields` names them. With `q`, a ranked full-text search.',
      security: optionalAuth,
      querystring: ArticleListQuery,
      response: { 200: Many(Ref(ArticleListItemSchema)), ...problems(400, 401) }
    }
  }, async (request, reply) => {
    const { page, items } = listArticles(db, request.caller, request.query, now())
    return sendList(request, reply, page, items)
  })

  fastify.get('/:key', {
    schema: {
      operationId: 'getArticle',
      tags: ['articles'],
      summary: 'Get one article by id or slug',
      description: 'The whole article with the author\'s public profile, categories, tags, rendered body and table of contents.',
      security: optionalAuth,
      params: KeyParams,
      response: { 200: OneArticle, ...problems(400, 401, 404) }
    }
  }, async (request, reply) => {
    const article = getArticle(db, request.caller, request.params.key, now())
    if (!article) throw new NotFound('Article')
    return sendSerialized(reply, article)
  })

  fastify.post('/', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'createArticle',
      tags: ['articles'],
      summary: 'Create an article',
      description: 'Editors and admins write for any author (`authorId` required); author keys write as their own author. The slug is made from the title when omitted.',
      security: secured,
      body: Ref(ArticleCreate),
      response: { 201: OneArticle, ...problems(400, 401, 403, 409, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = createArticle(db, request.caller, request.body as ArticleCreate, writeOptions)
    fastify.contentChanged(touched)
    reply.header('location', newItemUrl(request, id))
    return sendSerialized(reply, getArticle(db, request.caller, String(id), now()), 201)
  })

  fastify.patch('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'updateArticle',
      tags: ['articles'],
      summary: 'Update an article',
      description: 'Changes the properties given. `If-Match` with the ETag you read makes it fail with 412 if someone changed the article since.',
      security: secured,
      params: KeyParams,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
      body: Ref(ArticleUpdate),
      response: { 200: OneArticle, ...problems(400, 401, 403, 404, 409, 412, 413, 415) }
    }
  }, async (request, reply) => {
    const input = request.body as ArticleUpdate
    // The new body, rendered before the write lock for an article the caller may change and
    // whose If-Match holds; everything is checked again under the lock.
    const early = renderAhead(() => {
      try {
        const current = checkedArticle(request, reply, request.params.key, now(), EDITS_OWN)
        // Author keys: another's article, or handing theirs to another author, is a 403 said under the lock.
        const handedOver = request.caller.role === 'author' && input.authorId !== undefined && input.authorId !== request.caller.authorId
        return mayEdit(request.caller, current) && !handedOver ? current : undefined
      } catch {
        return undefined
      }
    }, input, writeOptions)
    const { id, touched } = writeLocked(db, () => {
      const current = checkedArticle(request, reply, request.params.key, now(), EDITS_OWN)
      return { id: current.id, touched: updateArticle(db, request.caller, current, input, writeOptions, early) }
    })
    fastify.contentChanged(touched)
    return sendSerialized(reply, getArticle(db, request.caller, String(id), now()))
  })

  /**
   * The article a write names, as the caller may see it (else 404), that the caller may
   * change (else 403: a request refused anyway is refused before its preconditions are
   * looked at, RFC 9110 13.2.1), whose If-Match and If-None-Match hold (else 412).
   */
  function checkedArticle (request: FastifyRequest, reply: FastifyReply, key: string, at: number, refusal: string) {
    const current = findArticleRow(db, request.caller, key, at)
    if (!current) throw new NotFound('Article')
    if (!mayEdit(request.caller, current)) throw new Forbidden(refusal)
    checkIfMatchBytes(request, reply, OneArticle, () => renderArticle(db, current, at))
    return current
  }

  fastify.delete('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'deleteArticle',
      tags: ['articles'],
      summary: 'Delete an article',
      description: 'Deletes the article and its comments.',
      security: secured,
      params: KeyParams,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
      response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 412) }
    }
  }, async (request, reply) => {
    fastify.contentChanged(writeLocked(db, () => deleteArticle(db, request.caller, checkedArticle(request, reply, request.params.key, now(), DELETES_OWN))))
    return reply.code(204).send(null)
  })
}

export default articleRoutes
