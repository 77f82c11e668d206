import { listQueryProperties, queryObject } from '../lib/list.js'
import { Type, type Static } from 'typebox'
import { Nullable, Timestamp, listItemProperties } from '../lib/schemas.js'

export const KeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: Type.Enum(['admin', 'editor', 'author']),
  authorId: Nullable(Type.Integer()),
  tokenPrefix: Type.String({ description: 'The first characters of the token, to recognise it; `(bootstrap)` for the key of BOOTSTRAP_ADMIN_TOKEN, a token chosen by a person, of which no part is shown' }),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp)
}, { $id: 'ApiKey', title: 'ApiKey' })

export const NewKeySchema = Type.Object({
  ...KeySchema.properties,
  token: Type.String({ description: 'The bearer token. Shown this once: only its hash is stored.' })
}, { $id: 'NewApiKey', title: 'NewApiKey' })

export const KeyCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: Type.Enum(['admin', 'editor', 'author']),
  authorId: Type.Optional(Type.Integer({ minimum: 1, description: 'Required for (and only for) the author role' }))
}, { $id: 'ApiKeyCreate', title: 'ApiKeyCreate', additionalProperties: false })
export type KeyCreate = Static<typeof KeyCreate>

export const KeyListItemSchema = Type.Object(listItemProperties(KeySchema.properties), {
  $id: 'ApiKeyListItem',
  title: 'ApiKeyListItem',
  description: 'A key in a list: every field, or only those named in `fields` (plus id)'
})

export const keyListNames = { sortable: ['createdAt'], defaultSort: 'createdAt', fields: Object.keys(KeySchema.properties) }
export const KeyListQuery = queryObject(listQueryProperties(keyListNames))

export const keySchemas = [KeySchema, NewKeySchema, KeyCreate, KeyListItemSchema]
