import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { KeyParams, Many, One, Ref, optionalAuth, problems, secured } from '../lib/schemas.js'
import { sendList } from '../lib/list.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { NotFound } from '../lib/errors.js'
import { CategoryCreate, CategoryListItemSchema, CategoryListQuery, CategorySchema, CategoryUpdate } from './schemas.js'
import { findCategoryRow, getCategory, listCategories, toCategory } from './queries.js'
import { createCategory, deleteCategory, updateCategory } from './mutations.js'
import { writeLocked } from '../db/client.js'

const WRITERS = ['admin', 'editor'] as const
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag you read: the write fails with 412 if the category changed since' })) })

const categoryRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listCategories',
      tags: ['categories'],
      summary: 'List categories',
      description: 'Categories by name, flat; each names its `parentId`. `parent` lists the children of one category, or the top level with `root`. `q` matches the start of any word of the name, ignoring case and accents.',
      security: optionalAuth,
      querystring: CategoryListQuery,
      response: { 200: Many(Ref(CategoryListItemSchema)), ...problems(400, 401) }
    }
  }, async (request, reply) => {
    const { page, items } = listCategories(db, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.get('/:key', {
    schema: {
      operationId: 'getCategory',
      tags: ['categories'],
      summary: 'Get one category by id or slug',
      security: optionalAuth,
      params: KeyParams,
      response: { 200: One(Ref(CategorySchema)), ...problems(400, 401, 404) }
    }
  }, async (request, reply) => {
    const category = getCategory(db, request.params.key)
    if (!category) throw new NotFound('Category')
    return sendOne(reply, category)
  })

  fastify.post('/', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'createCategory',
      tags: ['categories'],
      summary: 'Create a category',
      description: 'Editors and admins. The slug is made from the name when omitted; a slug that is taken is a 409. `parentId` must name an existing category (400 otherwise).',
      security: secured,
      body: Ref(CategoryCreate),
      response: { 201: One(Ref(CategorySchema)), ...problems(400, 401, 403, 409, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = createCategory(db, request.body as CategoryCreate)
    fastify.contentChanged(touched)
    return sendCreated(request, reply, getCategory(db, String(id)) as { id: number })
  })

  fastify.patch('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'updateCategory',
      tags: ['categories'],
      summary: 'Update a category',
      description: 'Editors and admins. Changes the properties given (null clears; `parentId: null` moves it to the root). A parent that would make the category its own ancestor is a 409.',
      security: secured,
      params: KeyParams,
      headers: IfMatch,
      body: Ref(CategoryUpdate),
      response: { 200: One(Ref(CategorySchema)), ...problems(400, 401, 403, 404, 409, 412, 413, 415) }
    }
  }, async (request, reply) => {
    const { id, touched } = writeLocked(db, () => {
      const current = findCategoryRow(db, request.params.key)
      if (!current) throw new NotFound('Category')
      checkIfMatch(request, toCategory(current))
      return { id: current.id, touched: updateCategory(db, current.id, request.body as CategoryUpdate) }
    })
    fastify.contentChanged(touched)
    return sendOne(reply, getCategory(db, String(id)))
  })

  fastify.delete('/:key', {
    preValidation: fastify.allow(...WRITERS),
    schema: {
      operationId: 'deleteCategory',
      tags: ['categories'],
      summary: 'Delete a category',
      description: 'Editors and admins. Its children move to its parent (or the root); its articles are detached from it, not deleted.',
      security: secured,
      params: KeyParams,
      headers: IfMatch,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 412) }
    }
  }, async (request, reply) => {
    fastify.contentChanged(writeLocked(db, () => {
      const current = findCategoryRow(db, request.params.key)
      if (!current) throw new NotFound('Category')
      checkIfMatch(request, toCategory(current))
      return deleteCategory(db, current.id)
    }))
    return reply.code(204).send(null)
  })
}

export default categoryRoutes
