import { Type } from 'typebox'
import { Timestamp } from '../lib/schemas.js'
import { queryObject } from '../lib/list.js'

export const ChangeSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in the log you read. Anonymous callers read the public changes alone, numbered one by one; API keys read the whole log, which also numbers changes they may not see' }),
  resource: Type.Enum(['article', 'author', 'category', 'tag', 'comment']),
  id: Type.Integer(),
  op: Type.Enum(['upsert', 'delete'], { description: '`upsert`: store `data`; `delete`: drop the item (it was deleted, or you may no longer see it)' }),
  at: Timestamp,
  data: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'For upserts: the item as it is now, as you may see it: an article as its list item; an author, category or tag as its own endpoint gives it; a comment as the public or, with an editor or admin key, moderators see it' }))
}, { $id: 'Change', title: 'Change' })

export const ChangesQuery = queryObject({
  since: Type.String({ minLength: 1, maxLength: 100, description: 'A `meta.nextCursor` from a previous call; `now` for a cursor at the present end of the log (no events: read the lists, then follow it); omit to start from the beginning of the log (a 410 once the log has dropped events older than the retention)' }),
  perPage: Type.Integer({ minimum: 1, maximum: 500, default: 100 })
})

export const ChangesResponse = Type.Object({
  data: Type.Array(Type.Ref('Change')),
  meta: Type.Object({
    perPage: Type.Integer(),
    hasMore: Type.Boolean({ description: 'More changes are waiting: call again with nextCursor now' }),
    nextCursor: Type.String({ description: 'Where to continue (also when nothing changed: keep it for the next poll)' })
  }),
  links: Type.Object({ self: Type.String(), next: Type.String() })
})

export const changeSchemas = [ChangeSchema]
