import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChangesQuery, ChangesResponse } from './schemas.js'
import { listChanges, type FeedPosition } from './queries.js'
import { optionalAuth, problems } from '../lib/schemas.js'
import { FieldError } from '../lib/errors.js'
import { now } from '../lib/time.js'

// A change cursor is a place in the log its reader reads, opaque to clients:
// `p<n>` anonymous (the public events), `c<n>` staff, `a<author id>.<n>` an author key
// (the whole log; src/changes/queries.ts).
function encode ({ reader, n }: FeedPosition): string {
  const prefix = reader === 'public' ? 'p' : reader === 'staff' ? 'c' : `a${reader.slice('author:'.length)}.`
  return Buffer.from(`${prefix}${n}`).toString('base64url')
}

function decode (cursor: string): FeedPosition | 'now' {
  if (cursor === 'now') return 'now'
  const match = /^(?:(p)|(c)|a(\d{1,15})\.)(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  if (!match) throw new FieldError('/query/since', 'Invalid cursor: use `meta.nextCursor` from a previous call')
  const reader = match[1] ? 'public' : match[2] ? 'staff' : `author:${Number(match[3])}`
  return { reader, n: Number(match[4]) }
}

const changeRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  fastify.get('/changes', {
    schema: {
      operationId: 'listChanges',
      tags: ['sync'],
      summary: 'What changed since a cursor (delta sync)',
      description: 'Oldest first. For each changed item: `upsert` with its current list representation if you may see it, else `delete` (a tombstone: deleted, unpublished, archived, or a comment no longer approved). Anonymous callers read the changes to public content alone, numbered one by one: hidden work adds no event and no gap. Tombstones are kept for CHANGES_RETENTION_DAYS (default 90); an older cursor is a 410, and so is a call without `since` once the log has dropped events (its start would miss items nobody changed since). So is a cursor read by another reader than the one it was made for: without a key, with an editor or admin key, or with one author\'s key. To resync: call with `since=now` (no events, a cursor at the present end of the log), read the list endpoints, then follow that cursor. Responses are never cached.',
      security: optionalAuth,
      querystring: ChangesQuery,
      response: { 200: ChangesResponse, ...problems(400, 401, 410) }
    }
  }, async (request, reply) => {
    const since = request.query.since === undefined ? null : decode(request.query.since)
    const perPage = request.query.perPage ?? 100
    const { data, more, next } = listChanges(fastify.db, request.caller, since, perPage, now())
    const nextCursor = encode(next)
    reply.header('cache-control', 'private, no-store')
    return {
      data,
      meta: { perPage, hasMore: more, nextCursor },
      links: { self: request.url, next: `${fastify.prefix}/changes?since=${nextCursor}${request.query.perPage ? `&perPage=${perPage}` : ''}` }
    }
  })
}

export default changeRoutes
