import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IdParams, Many, One, Ref, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { writeLocked } from '../db/client.js'
import { NotFound } from '../lib/errors.js'
import { KeyCreate, KeyListItemSchema, KeyListQuery, KeySchema, NewKeySchema } from './schemas.js'
import { createKey, getKey, listKeys, revokeKey } from './queries.js'


const keyRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify
  fastify.addHook('preValidation', fastify.allow('admin'))

  fastify.get('/', {
    schema: {
      operationId: 'listKeys',
      tags: ['keys'],
      summary: 'List API keys (never their tokens)',
      description: 'Revoked keys included (`revokedAt` set), oldest first.',
      security: secured,
      querystring: KeyListQuery,
      response: { 200: Many(Ref(KeyListItemSchema)), ...problems(400, 401, 403) }
    }
  }, async (request, reply) => {
    const { page, items } = listKeys(db, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createKey',
      tags: ['keys'],
      summary: 'Create an API key',
      description: 'Answers with `data.token`, shown this once.',
      security: secured,
      body: Ref(KeyCreate),
      response: { 201: One(Ref(NewKeySchema)), ...problems(400, 401, 403, 413, 415) }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'private, no-store')
    return sendCreated(request, reply, createKey(db, request.body as KeyCreate))
  })

  fastify.get('/:id', {
    schema: {
      operationId: 'getKey',
      tags: ['keys'],
      summary: 'Get one API key (never its token)',
      security: secured,
      params: IdParams,
      response: { 200: One(Ref(KeySchema)), ...problems(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    const key = getKey(db, Number(request.params.id))
    if (!key) throw new NotFound('Key')
    return sendOne(reply, key)
  })

  fastify.delete('/:id', {
    schema: {
      operationId: 'revokeKey',
      tags: ['keys'],
      summary: 'Revoke an API key',
      description: 'Takes effect at once: the next request with its token is a 401.',
      security: secured,
      params: IdParams,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag you read: a 412 and no change if the key has changed since' })) }),
      response: { 204: Type.Null({ description: 'Revoked' }), ...problems(400, 401, 403, 404, 412) }
    }
  }, async (request, reply) => {
    const id = Number(request.params.id)
    writeLocked(db, () => {
      const key = getKey(db, id)
      if (!key) throw new NotFound('Key')
      checkIfMatch(request, key)
      revokeKey(db, id)
    })
    fastify.contentChanged({ keyIds: [id] })
    return reply.code(204).send(null)
  })
}

export default keyRoutes
