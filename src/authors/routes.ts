import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { KeyParams, Many, One, Ref, optionalAuth, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { NotFound } from '../lib/errors.js'
import { AuthorCreate, AuthorDeleteQuery, AuthorListItemSchema, AuthorListQuery, AuthorSchema, AuthorUpdate } from './schemas.js'
import { findAuthorRow, getAuthor, listAuthors, toAuthor } from './queries.js'
import { createAuthor, deleteAuthor, updateAuthor } from './mutations.js'
import { writeLocked } from '../db/client.js'

const WRITERS = ['admin', 'editor'] as const
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag you read: the write fails with 412 if the author changed since' })) })

const authorRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listAuthors',
      tags: ['authors'],
      summary: 'List authors',
      description: 'Authors by name. `q` matches the start of any word of the name, ignoring case and accents. `email` is present for editor and admin keys only.',
      security: optionalAuth,
      querystring: AuthorListQuery,
      response: { 200: Many(Ref(AuthorListItemSchema)), ...problems(400, 401) }
    }
  }, async (request, reply) => {
    const { page, items } = listAuthors(db, request.caller, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.get('/:key', {
    schema: {
      operationId: 'getAuthor',
      tags: ['authors'],
      summary: 'Get one author by id or slug',
      description: '`email` is present for editor and admin keys only.',
      security: optionalAuth,
      params: KeyParams,
      response: { 200: One(Ref(AuthorSchema)), ...problems(400, 401, 404) }
    }
  }, async (request, reply) => {
    const author = getAuthor(db, request.caller, request.params.key)
    if (!author) throw new NotFound('Author')
    return sendOne(reply, author)
  })

  fastify.post('/', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'createAuthor',
      tags: ['authors'],
      summary: 'Create an author',
      description: 'Editors and admins. The slug is made from the name when omitted; a slug that is taken is a 409.',
      security: secured,
      body: Ref(AuthorCreate),
      response: { 201: One(Ref(AuthorSchema)), ...problems(400, 401, 403, 409, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = createAuthor(db, request.body as AuthorCreate)
    fastify.contentChanged(touched)
    return sendCreated(request, reply, getAuthor(db, request.caller, String(id)) as { id: number })
  })

  fastify.patch('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'updateAuthor',
      tags: ['authors'],
      summary: 'Update an author',
      description: 'Editors and admins. Changes the properties given (null clears); `social` replaces the whole map. The slug changes only when a new one is given.',
      security: secured,
      params: KeyParams,
      headers: IfMatch,
      body: Ref(AuthorUpdate),
      response: { 200: One(Ref(AuthorSchema)), ...problems(400, 401, 403, 404, 409, 412, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = writeLocked(db, () => {
      const current = findAuthorRow(db, request.params.key)
      if (!current) throw new NotFound('Author')
      checkIfMatch(request, toAuthor(current, true))
      return { id: current.id, touched: updateAuthor(db, current.id, request.body as AuthorUpdate) }
    })
    fastify.contentChanged(touched)
    return sendOne(reply, getAuthor(db, request.caller, String(id)))
  })

  fastify.delete('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'deleteAuthor',
      tags: ['authors'],
      summary: 'Delete an author',
      description: 'Editors and admins. An author who has articles (in any status) is a 409 unless `reassignTo` names another author, who takes them over. The author\'s API keys are deleted with it.',
      security: secured,
      params: KeyParams,
      querystring: AuthorDeleteQuery,
      headers: IfMatch,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 409, 412) }
    }
  }, async (request, reply) => {
    fastify.contentChanged(writeLocked(db, () => {
      const current = findAuthorRow(db, request.params.key)
      if (!current) throw new NotFound('Author')
      checkIfMatch(request, toAuthor(current, true))
      return deleteAuthor(db, current.id, { reassignTo: request.query.reassignTo })
    }))
    return reply.code(204).send(null)
  })
}

export default authorRoutes
