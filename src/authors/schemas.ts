import { Type, type Static } from 'typebox'
import { Nullable, SlugSchema, Timestamp, listItemProperties } from '../lib/schemas.js'
import { listQueryProperties, queryObject } from '../lib/list.js'

const HttpUrl = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' })

const authorProperties = {
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  bio: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
  website: Nullable(Type.String()),
  social: Type.Record(Type.String(), Type.String(), { description: 'Network name → profile URL, e.g. `{"mastodon": "https://…"}`' }),
  articleCount: Type.Integer({ description: 'Published articles' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  // Present only in responses to editor and admin keys: the output mapper adds it for them alone.
  email: Type.Optional(Nullable(Type.String({ description: 'Editor and admin keys only; never shown to anyone else' })))
}

export const AuthorSchema = Type.Object(authorProperties, {
  $id: 'Author',
  title: 'Author',
  description: 'An author. `email` is present only for editor and admin keys.'
})

export const AuthorListItemSchema = Type.Object(listItemProperties(authorProperties), {
  $id: 'AuthorListItem',
  title: 'AuthorListItem',
  description: 'An author in a list: every field, or only those named in `fields` (plus id). `email` only for editor and admin keys.'
})

/** Fields anyone may name in `fields`; editors and admins may also name `email`. */
export const AUTHOR_PUBLIC_FIELDS = Object.keys(authorProperties).filter((f) => f !== 'email')
export const AUTHOR_STAFF_FIELDS = Object.keys(authorProperties)

/** Sort keys are bound to columns in queries.ts; this lists the names. */
export const authorListNames = {
  sortable: ['name', 'createdAt', 'articleCount'],
  sortNote: '`name` compares text by character code, so capitals sort before lower case (`Zoe` before `anna`).',
  defaultSort: 'name',
  fields: AUTHOR_PUBLIC_FIELDS
}


export const AuthorListQuery = queryObject({
  ...listQueryProperties(authorListNames),
  fields: Type.String({
    minLength: 1,
    maxLength: 500,
    description: `Comma list of top-level fields to return (\`id\` always comes back). One of: ${AUTHOR_PUBLIC_FIELDS.map((f) => `\`${f}\``).join(', ')}; editor and admin keys may also name \`email\`.`
  }),
  q: Type.String({ minLength: 1, maxLength: 200, description: 'Names starting with this (any word of the name), ignoring case and accents: `zoe` finds "Zoë Hart". Emails are never searched.' })
})
export type AuthorListQuery = Static<typeof AuthorListQuery>

const writable = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  slug: SlugSchema,
  email: Nullable(Type.String({ format: 'email', maxLength: 254, description: 'Private: shown to editor and admin keys only' })),
  bio: Nullable(Type.String({ maxLength: 5000 })),
  avatarUrl: Nullable(HttpUrl),
  website: Nullable(HttpUrl),
  social: Type.Record(Type.String(), HttpUrl, {
    maxProperties: 20,
    propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,39}$' },
    description: 'Network name (lowercase letters, digits, `-`, `_`) → http(s) profile URL; at most 20. Replaces the whole map on update.'
  })
}

const { name, ...optionalWritable } = writable
const optional = Type.Partial(Type.Object(optionalWritable)).properties

export const AuthorCreate = Type.Object({ name, ...optional }, {
  $id: 'AuthorCreate',
  title: 'AuthorCreate',
  additionalProperties: false,
  description: 'The slug is made from the name when omitted (`-2`, `-3`… on collision); a slug that is taken is a 409.'
})
export type AuthorCreate = Static<typeof AuthorCreate>

// An absent property means "keep"; null clears.
export const AuthorUpdate = Type.Object({ name: Type.Optional(name), ...optional }, {
  $id: 'AuthorUpdate',
  title: 'AuthorUpdate',
  additionalProperties: false,
  minProperties: 1
})
export type AuthorUpdate = Static<typeof AuthorUpdate>

export const AuthorDeleteQuery = queryObject({
  reassignTo: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Another author\'s id: the deleted author\'s articles move to them. Needed when the author has articles.' })
})
export type AuthorDeleteQuery = Static<typeof AuthorDeleteQuery>

export const authorSchemas = [AuthorSchema, AuthorListItemSchema, AuthorCreate, AuthorUpdate]
