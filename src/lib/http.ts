import type { FastifyReply, FastifyRequest } from 'fastify'
import { etagOf, etagMatches } from '../plugins/http-cache.js'
import { CurrentMatches, PreconditionFailed } from './errors.js'
import { utf8Bytes } from './utf8.js'

/** The ETag of one resource as a caller sees it; the same value GET sends and If-Match is checked against. */
export function resourceEtag (item: unknown): string {
  return etagOf(JSON.stringify(item))
}

/** `{data: item}` with the resource's ETag. */
export function sendOne (reply: FastifyReply, item: unknown, status = 200) {
  reply.header('etag', resourceEtag(item))
  return reply.code(status).send({ data: item })
}

/**
 * `{data: item}` serialized by the route's own response schema, with the ETag of those
 * very bytes: one serialization and one hash, where `sendOne` stringifies the item a
 * second time to hash it. Writes to such a resource check If-Match with
 * `checkIfMatchBytes` and the same schema.
 */
export function sendSerialized (reply: FastifyReply, item: unknown, status = 200) {
  reply.code(status)
  const bytes = utf8Bytes(reply.serialize({ data: item }) as string)
  reply.header('etag', etagOf(bytes))
  return reply.type('application/json; charset=utf-8').send(bytes)
}

/**
 * PATCH/DELETE of a resource sent with `sendSerialized`: its current bytes, serialized by
 * `schema` (the GET response's), must match If-Match. `current` is called only when the
 * request sends one.
 */
export function checkIfMatchBytes (request: FastifyRequest, reply: FastifyReply, schema: object, current: () => unknown) {
  if (request.headers['if-match'] === undefined && request.headers['if-none-match'] === undefined) return
  const serialize = reply.compileSerializationSchema(schema as Record<string, unknown>, '200')
  checkPreconditions(request, etagOf(utf8Bytes(serialize({ data: current() }))))
}

/**
 * A write's preconditions against the resource's current ETag (RFC 9110 13.1): If-Match
 * must match it, and If-None-Match (`*`: any current resource) must not. Either way a
 * 412, and nothing changes.
 */
function checkPreconditions (request: FastifyRequest, etag: string) {
  const ifMatch = request.headers['if-match']
  if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) throw new PreconditionFailed()
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) throw new CurrentMatches()
}

/** Where a new item of the collection a POST went to lives: the collection's URL plus its id. */
export function newItemUrl (request: FastifyRequest, id: unknown): string {
  return `${request.url.split('?')[0].replace(/\/$/, '')}/${id}`
}

/** `201` with `Location` (by default `newItemUrl`) and the new item. */
export function sendCreated (request: FastifyRequest, reply: FastifyReply, item: { id: unknown }, location?: string) {
  reply.header('location', location ?? newItemUrl(request, item.id))
  return sendOne(reply, item, 201)
}

/** PATCH/DELETE with an If-Match that no longer matches the resource, or an If-None-Match that does: 412, nothing changed. */
export function checkIfMatch (request: FastifyRequest, current: unknown) {
  if (request.headers['if-match'] === undefined && request.headers['if-none-match'] === undefined) return
  checkPreconditions(request, resourceEtag(current))
}
