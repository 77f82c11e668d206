import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { KeyParams, Many, One, Ref, optionalAuth, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { NotFound } from '../lib/errors.js'
import { TagCreate, TagListItemSchema, TagListQuery, TagSchema, TagUpdate } from './schemas.js'
import { findTagRow, getTag, listTags, toTag } from './queries.js'
import { createTag, deleteTag, updateTag } from './mutations.js'
import { writeLocked } from '../db/client.js'

const WRITERS = ['admin', 'editor'] as const
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag you read: the write fails with 412 if the tag changed since' })) })

const tagRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listTags',
      tags: ['tags'],
      summary: 'List tags',
      description: 'Tags by name (`sort=-articleCount` for the most used). `q` matches the start of any word of the name, ignoring case and accents.',
      security: optionalAuth,
      querystring: TagListQuery,
      response: { 200: Many(Ref(TagListItemSchema)), ...problems(400, 401) }
    }
  }, async (request, reply) => {
    const { page, items } = listTags(db, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.get('/:key', {
    schema: {
      operationId: 'getTag',
      tags: ['tags'],
      summary: 'Get one tag by id or slug',
      security: optionalAuth,
      params: KeyParams,
      response: { 200: One(Ref(TagSchema)), ...problems(400, 401, 404) }
    }
  }, async (request, reply) => {
    const tag = getTag(db, request.params.key)
    if (!tag) throw new NotFound('Tag')
    return sendOne(reply, tag)
  })

  fastify.post('/', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'createTag',
      tags: ['tags'],
      summary: 'Create a tag',
      description: 'Editors and admins. The slug is made from the name when omitted; a slug that is taken is a 409.',
      security: secured,
      body: Ref(TagCreate),
      response: { 201: One(Ref(TagSchema)), ...problems(400, 401, 403, 409, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = createTag(db, request.body as TagCreate)
    fastify.contentChanged(touched)
    return sendCreated(request, reply, getTag(db, String(id)) as { id: number })
  })

  fastify.patch('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'updateTag',
      tags: ['tags'],
      summary: 'Update a tag',
      description: 'Editors and admins. Changes the properties given (null clears). The slug changes only when a new one is given.',
      security: secured,
      params: KeyParams,
      headers: IfMatch,
      body: Ref(TagUpdate),
      response: { 200: One(Ref(TagSchema)), ...problems(400, 401, 403, 404, 409, 412, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = writeLocked(db, () => {
      const current = findTagRow(db, request.params.key)
      if (!current) throw new NotFound('Tag')
      checkIfMatch(request, toTag(current))
      return { id: current.id, touched: updateTag(db, current.id, request.body as TagUpdate) }
    })
    fastify.contentChanged(touched)
    return sendOne(reply, getTag(db, String(id)))
  })

  fastify.delete('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'deleteTag',
      tags: ['tags'],
      summary: 'Delete a tag',
      description: 'Editors and admins. Its articles are detached from it, not deleted.',
      security: secured,
      params: KeyParams,
      headers: IfMatch,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 412) }
    }
  }, async (request, reply) => {
    fastify.contentChanged(writeLocked(db, () => {
      const current = findTagRow(db, request.params.key)
      if (!current) throw new NotFound('Tag')
      checkIfMatch(request, toTag(current))
      return deleteTag(db, current.id)
    }))
    return reply.code(204).send(null)
  })
}

export default tagRoutes
