import type { FastifyReply, FastifyRequest } from 'fastify'
import { etagOf, etagMatches } from '../plugins/http-cache.js'
import { PreconditionFailed } from './errors.js'

/** The ETag of one resource as a caller sees it; the same value GET sends and If-Match is checked against. */
export function resourceEtag (item: unknown): string {
  return etagOf(JSON.stringify(item))
}

/** `{data: item}` with the resource's ETag. */
export function sendOne (reply: FastifyReply, item: unknown, status = 200) {
  reply.header('etag', resourceEtag(item))
  return reply.code(status).send({ data: item })
}

/** `201` with `Location` (by default the collection's URL plus the new id) and the new item. */
export function sendCreated (request: FastifyRequest, reply: FastifyReply, item: { id: unknown }, location?: string) {
  reply.header('location', location ?? `${request.url.split('?')[0].replace(/\/$/, '')}/${item.id}`)
  return sendOne(reply, item, 201)
}

/** PATCH/DELETE with an If-Match that no longer matches the resource: 412, nothing changed. */
export function checkIfMatch (request: FastifyRequest, current: unknown) {
  const header = request.headers['if-match']
  if (header !== undefined && !etagMatches(header, resourceEtag(current))) throw new PreconditionFailed()
}
