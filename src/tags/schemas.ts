import { Type, type Static } from 'typebox'
import { Nullable, SlugSchema, Timestamp, listItemProperties } from '../lib/schemas.js'
import { listQueryProperties, queryObject } from '../lib/list.js'

const tagProperties = {
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  articleCount: Type.Integer({ description: 'Published articles' }),
  createdAt: Timestamp,
  updatedAt: Timestamp
}

export const TagSchema = Type.Object(tagProperties, { $id: 'Tag', title: 'Tag' })

export const TagListItemSchema = Type.Object(listItemProperties(tagProperties), {
  $id: 'TagListItem',
  title: 'TagListItem',
  description: 'A tag in a list: every field, or only those named in `fields` (plus id).'
})

/** Sort keys are bound to columns in queries.ts; this lists the names. */
export const tagListNames = {
  sortable: ['name', 'articleCount', 'createdAt'],
  sortNote: '`name` compares text by character code, so capitals sort before lower case (`Zinc` before `apple`).',
  defaultSort: 'name',
  fields: Object.keys(tagProperties)
}


export const TagListQuery = queryObject({
  ...listQueryProperties(tagListNames),
  q: Type.String({ minLength: 1, maxLength: 200, description: 'Names starting with this (any word of the name), ignoring case and accents' })
})
export type TagListQuery = Static<typeof TagListQuery>

const writable = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  slug: SlugSchema,
  description: Nullable(Type.String({ maxLength: 5000 }))
}

const { name, ...optionalWritable } = writable
const optional = Type.Partial(Type.Object(optionalWritable)).properties

export const TagCreate = Type.Object({ name, ...optional }, {
  $id: 'TagCreate',
  title: 'TagCreate',
  additionalProperties: false,
  description: 'The slug is made from the name when omitted (`-2`, `-3`… on collision); a slug that is taken is a 409.'
})
export type TagCreate = Static<typeof TagCreate>

// An absent property means "keep"; null clears.
export const TagUpdate = Type.Object({ name: Type.Optional(name), ...optional }, {
  $id: 'TagUpdate',
  title: 'TagUpdate',
  additionalProperties: false,
  minProperties: 1
})
export type TagUpdate = Static<typeof TagUpdate>

export const tagSchemas = [TagSchema, TagListItemSchema, TagCreate, TagUpdate]
