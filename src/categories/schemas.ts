import { Type, type Static } from 'typebox'
import { Nullable, SlugSchema, Timestamp, listItemProperties } from '../lib/schemas.js'
import { listQueryProperties, queryObject } from '../lib/list.js'

const categoryProperties = {
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  parentId: Nullable(Type.Integer({ description: 'The parent category; null at the root of the tree' })),
  articleCount: Type.Integer({ description: 'Published articles in this category itself (not its descendants)' }),
  createdAt: Timestamp,
  updatedAt: Timestamp
}

export const CategorySchema = Type.Object(categoryProperties, { $id: 'Category', title: 'Category', description: 'A category: a node of a tree' })

export const CategoryListItemSchema = Type.Object(listItemProperties(categoryProperties), {
  $id: 'CategoryListItem',
  title: 'CategoryListItem',
  description: 'A category in a list: every field, or only those named in `fields` (plus id).'
})

/** Sort keys are bound to columns in queries.ts; this lists the names. */
export const categoryListNames = {
  sortable: ['name', 'createdAt', 'articleCount'],
  sortNote: '`name` compares text by character code, so capitals sort before lower case (`Zoo` before `arts`).',
  defaultSort: 'name',
  fields: Object.keys(categoryProperties)
}


export const CategoryListQuery = queryObject({
  ...listQueryProperties(categoryListNames),
  parent: Type.String({
    minLength: 1,
    maxLength: 120,
    pattern: '^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$',
    description: 'Children of this category (an id or slug), or `root` for the top-level categories'
  }),
  q: Type.String({ minLength: 1, maxLength: 200, description: 'Names starting with this (any word of the name), ignoring case and accents' })
})
export type CategoryListQuery = Static<typeof CategoryListQuery>

const writable = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  slug: SlugSchema,
  description: Nullable(Type.String({ maxLength: 5000 })),
  parentId: Nullable(Type.Integer({ minimum: 1, description: 'An existing category; null or omitted for the root. A category cannot be its own ancestor (409).' }))
}

const { name, ...optionalWritable } = writable
const optional = Type.Partial(Type.Object(optionalWritable)).properties

export const CategoryCreate = Type.Object({ name, ...optional }, {
  $id: 'CategoryCreate',
  title: 'CategoryCreate',
  additionalProperties: false,
  description: 'The slug is made from the name when omitted (`-2`, `-3`… on collision); a slug that is taken is a 409.'
})
export type CategoryCreate = Static<typeof CategoryCreate>

// An absent property means "keep"; null clears (parentId null moves the category to the root).
export const CategoryUpdate = Type.Object({ name: Type.Optional(name), ...optional }, {
  $id: 'CategoryUpdate',
  title: 'CategoryUpdate',
  additionalProperties: false,
  minProperties: 1
})
export type CategoryUpdate = Static<typeof CategoryUpdate>

export const categorySchemas = [CategorySchema, CategoryListItemSchema, CategoryCreate, CategoryUpdate]
