/**
 * Shapes shared by several resources. Each has an $id, is registered once with
 * fastify.addSchema (plugins/schemas.ts) and is referenced with Type.Ref, so it appears
 * once under components.schemas in the OpenAPI document.
 */
import { Type, type TProperties, type TSchema } from 'typebox'

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC time ending in Z' })

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'A URI identifying the kind of problem' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({
    path: Type.String({ description: 'JSON pointer to the offending value, e.g. /title or /query/perPage' }),
    message: Type.String()
  })))
}, { $id: 'Problem', title: 'Problem', description: 'An RFC 9457 problem document' })

export const ListMetaSchema = Type.Object({
  page: Nullable(Type.Integer({ description: 'Current page (null when paginating by cursor)' })),
  perPage: Type.Integer(),
  total: Type.Integer({ description: 'Items matching the filters, as the caller may see them' }),
  totalPages: Type.Integer(),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' }))
}, { $id: 'ListMeta', title: 'ListMeta' })

export const ListLinksSchema = Type.Object({
  self: Type.String(),
  first: Type.String(),
  prev: Nullable(Type.String()),
  next: Nullable(Type.String()),
  last: Nullable(Type.String({ description: 'Null when paginating by cursor' }))
}, { $id: 'ListLinks', title: 'ListLinks' })

export const TermSummarySchema = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String()
}, { $id: 'TermSummary', title: 'TermSummary', description: 'A category or tag embedded in an article' })

export const AuthorSummarySchema = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  avatarUrl: Nullable(Type.String())
}, { $id: 'AuthorSummary', title: 'AuthorSummary', description: 'An author embedded in an article list' })

export const AuthorProfileSchema = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  bio: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
  website: Nullable(Type.String()),
  social: Type.Record(Type.String(), Type.String())
}, { $id: 'AuthorProfile', title: 'AuthorProfile', description: 'The public profile embedded in one article' })

export const sharedSchemas = [ProblemSchema, ListMetaSchema, ListLinksSchema, TermSummarySchema, AuthorSummarySchema, AuthorProfileSchema]

export const Ref = (schema: TSchema) => Type.Ref((schema as { $id?: string }).$id as string)

/** `{data: item}` */
export const One = (item: TSchema) => Type.Object({ data: item })

/** `{data: [items], meta, links}` */
export const Many = (item: TSchema) => Type.Object({
  data: Type.Array(item),
  meta: Ref(ListMetaSchema),
  links: Ref(ListLinksSchema)
})

/** An id (all digits) or a slug. */
export const KeyParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 120, pattern: '^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$', description: 'An id (all digits) or a slug' })
}, { additionalProperties: false })

/** An id in a path: decimal digits only (`0x10`, `1e3` or ` 1` are a 400), documented as an integer (plugins/swagger.ts). */
export const ID_PATTERN = '^[1-9][0-9]{0,14}$'

export const IdParams = Type.Object({
  id: Type.String({ pattern: ID_PATTERN, description: 'A positive integer id' })
}, { additionalProperties: false })

export const SlugSchema = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^(?=[a-z0-9-]*[a-z])[a-z0-9]+(-[a-z0-9]+)*$',
  description: 'Lowercase letters, digits and single hyphens, with at least one letter'
})

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (see `errors`)',
  401: 'Missing or invalid bearer token',
  403: 'The key may not do this',
  404: 'Not found',
  409: 'Conflicts with existing data',
  410: 'Gone',
  412: 'If-Match does not match the current ETag, or If-None-Match does',
  413: 'Request body over 1 MiB',
  415: 'Request body is not JSON',
  429: 'Too many requests (see Retry-After)',
  503: 'Not ready: the database does not answer'
}

/** Response entries for the problem statuses a route can answer. */
export function problems (...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const status of statuses) out[status] = problemResponse(PROBLEM_DESCRIPTIONS[status] ?? 'Problem')
  return out
}

/** One problem+json response of a route's spec, with its description. */
export function problemResponse (description: string) {
  return { description, content: { 'application/problem+json': { schema: Ref(ProblemSchema) } } }
}

type Security = Array<Record<string, string[]>>
/** Routes that need a key. */
export const secured: Security = [{ bearer: [] }]
/** Public routes where a key widens what is visible (drafts, emails). */
export const optionalAuth: Security = [{}, { bearer: [] }]

/** A list item's properties: `id` always, every other one optional (clients pick them with `fields`). */
export function listItemProperties<T extends TProperties & { id: TSchema }> (properties: T) {
  const { id, ...rest } = properties
  return { id, ...Type.Partial(Type.Object(rest)).properties }
}

