/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas.
 * https://github.com/fastify/fastify-swagger
 * Shared schemas (fastify.addSchema with an $id) become components named by their $id.
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import { readFileSync } from 'node:fs'
import { ID_PATTERN } from '../lib/schemas.js'

type Json = Record<string, any>

const PROBLEM = { $ref: '#/components/schemas/Problem' }
const text = (description: string) => ({ description, required: true, schema: { type: 'string' } })

const isList = (response: Json) => response.content?.['application/json']?.schema?.properties?.meta?.$ref === '#/components/schemas/ListMeta'

/** What a success without its own description holds (Fastify's placeholder is "Default Response"). */
function successDescription (method: string, status: string, response: Json): string {
  if (status === '201') return 'Created: the new item; its URL is in `Location`'
  if (status === '202') return 'Accepted: queued, and sent soon after'
  if (method === 'patch') return 'Updated: the item as it is now'
  if (isList(response)) return 'One page of the list, as the caller may see it'
  const data = response.content?.['application/json']?.schema?.properties?.data
  if (data?.type === 'array') return 'The items, as the caller may see them'
  if (data) return 'The item, as the caller may see it'
  return 'OK'
}

// Operations behind the comment rate limit (@fastify/rate-limit's headers on every answer).
const RATE_LIMITED = new Set(['createComment'])
// Sent once the limit has counted the request: not on a refusal that comes before it (a bad key).
const counted = (description: string) => ({ description, required: false, schema: { type: 'integer', minimum: 0 } })
const rateLimitHeaders = () => ({
  'x-ratelimit-limit': counted('Comments an address may submit per window (COMMENT_RATE_LIMIT)'),
  'x-ratelimit-remaining': counted('Comments this address may still submit in the window'),
  'x-ratelimit-reset': counted('Seconds until the window starts again')
})

/**
 * Schema details generated clients need, everywhere in the document: a bare enum of
 * strings says `type: string` (TypeBox's Type.Enum gives none, and generators then type
 * it `unknown`), and a nullable property (`anyOf: [X, {type: null}]`, our Nullable) carries
 * its description on the property, where generators look for it, not inside X.
 */
function describeSchemas (node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) describeSchemas(item)
    return
  }
  if (node === null || typeof node !== 'object') return
  const schema = node as Json
  if (Array.isArray(schema.enum) && schema.type === undefined && schema.enum.every((value: unknown) => typeof value === 'string')) schema.type = 'string'
  const options = schema.anyOf
  if (Array.isArray(options) && options.length === 2 && schema.description === undefined) {
    const inner = options.find((option: Json) => option?.type !== 'null')
    if (options.some((option: Json) => option?.type === 'null') && typeof inner?.description === 'string') {
      schema.description = inner.description
      delete inner.description
    }
  }
  for (const value of Object.values(schema)) describeSchemas(value)
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

// What an upsert's `data` is for each resource: the item as its list or item endpoint
// shows it to the caller (a comment as the public sees it, or as moderators do).
const CHANGE_DATA: Record<string, Json> = {
  article: ref('ArticleListItem'),
  author: ref('Author'),
  category: ref('Category'),
  tag: ref('Tag'),
  comment: { anyOf: [ref('Comment'), ref('ModeratedComment')] }
}

/**
 * `Change` as a union told apart by `resource` (ArticleChange, AuthorChange, …), so that
 * a generated client knows what `data` holds. The route's own schema leaves `data` open;
 * the document is the stricter of the two, and the tests check responses against it.
 */
function typeChanges (schemas: Json | undefined) {
  const change = schemas?.Change
  if (change?.properties?.data === undefined) return
  const mapping: Record<string, string> = {}
  for (const [resource, data] of Object.entries(CHANGE_DATA)) {
    const name = `${resource[0].toUpperCase()}${resource.slice(1)}Change`
    schemas![name] = {
      ...change,
      title: name,
      properties: {
        ...change.properties,
        resource: { type: 'string', const: resource },
        data: { ...data, description: change.properties.data.description }
      }
    }
    mapping[resource] = ref(name).$ref
  }
  schemas!.Change = {
    title: 'Change',
    description: 'One changed item; `resource` tells which kind, and so what `data` holds on an upsert',
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'resource', mapping }
  }
}

/**
 * The webhook deliveries, as OpenAPI 3.1 `webhooks`: what each event POSTs to a
 * subscriber, and a delivery's `payload` as the event it queued (the route's own schema
 * leaves it open; the tests check responses against the document).
 */
function documentWebhooks (openapiObject: Json) {
  const schemas: Json | undefined = openapiObject.components?.schemas
  const event = schemas?.WebhookEvent?.properties?.event
  if (!event) return
  for (const name of ['WebhookDelivery', 'WebhookDeliveryListItem']) {
    const properties = schemas![name]?.properties
    if (properties?.payload) properties.payload = { ...ref('WebhookPayload'), description: properties.payload.description }
  }
  const header = (name: string, description: string) => ({ in: 'header', name, required: true, description, schema: { type: 'string' } })
  openapiObject.webhooks = Object.fromEntries((event.enum as string[]).map((name) => [name, {
    post: {
      operationId: `deliver${name.split('.').map((part) => part[0].toUpperCase() + part.slice(1)).join('')}`,
      // The receiver checks Broadsheet-Signature; no API key is involved.
      security: [],
      summary: `\`${name}\` delivered to a subscribed URL`,
      tags: ['webhooks'],
      parameters: [
        header('broadsheet-event', `\`${name}\``),
        header('broadsheet-delivery', 'The delivery id, as the body\'s `id`'),
        header('broadsheet-signature', '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the webhook\'s secret: verify in constant time, refuse an old `t`')
      ],
      requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent') } } },
      responses: {
        '2XX': { description: 'Received: the delivery is done' },
        default: { description: 'Anything else, or no answer within 10 s: retried with backoff' }
      }
    }
  }]))
}

/**
 * What every route does that its own schema does not say: the headers of the contract's
 * sections 2, 3 and 7, and the problems Fastify's body parser answers before a route
 * runs. Only the document changes; validation and serialization never see these.
 */
export function documentSharedBehaviour ({ openapiObject }: { openapiObject: Json }): Json {
  for (const item of Object.values(openapiObject.paths ?? {}) as Json[]) {
    for (const [method, operation] of Object.entries(item) as Array<[string, Json]>) {
      const responses: Json = operation.responses ?? {}
      const ok = responses['200']
      for (const [status, response] of Object.entries(responses) as Array<[string, Json]>) {
        if (response.description === 'Default Response') response.description = successDescription(method, status, response)
      }
      const written = method === 'post' ? responses['201'] : method === 'patch' ? ok : undefined
      for (const response of [method === 'get' ? ok : undefined, written]) {
        if (response) (response.headers ??= {}).etag ??= text('This representation\'s entity tag (weak, `W/"…"`, on a gzip or brotli body): send it back in `If-None-Match` (a 304 while it matches) or in a write\'s `If-Match`; either form is accepted')
      }
      if (method === 'get' && ok) {
        const headers = ok.headers
        headers['cache-control'] ??= text('Who may store this response: `public, max-age=…, stale-while-revalidate=…` on anonymous reads of content, `private, no-store` with a key, `no-store` where the operation says so')
        if (isList(ok)) {
          headers.link ??= text('RFC 8288 links with the relations of `links` that are not null (`self`, `first`, `prev`, `next`, `last`)')
          headers['x-total-count'] ??= { ...text('`meta.total`: the items matching the filters, as the caller may see them'), schema: { type: 'integer', minimum: 0 } }
        }
        if (responses['304']) {
          const parameters: Json[] = operation.parameters ??= []
          if (!parameters.some((p) => p.in === 'header' && p.name === 'if-none-match')) {
            parameters.push({ in: 'header', name: 'if-none-match', required: false, schema: { type: 'string' }, description: 'ETags you hold (comma list, `W/` allowed): a 304 with no body while one matches' })
          }
        }
      }
      // Every write that checks If-Match checks If-None-Match too (lib/http.ts).
      const parameters: Json[] = operation.parameters ?? []
      if (parameters.some((p) => p.in === 'header' && p.name === 'if-match') && !parameters.some((p) => p.in === 'header' && p.name === 'if-none-match')) {
        parameters.push({ in: 'header', name: 'if-none-match', required: false, schema: { type: 'string' }, description: 'ETags, or `*` for any: a 412 and no change if the resource as it is matches one (RFC 9110 13.1.2)' })
      }
      const created = responses['201']
      if (method === 'post' && created) {
        (created.headers ??= {}).location ??= text('The URL of the new item')
      }
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        responses['413'] ??= { description: 'Request body over 1 MiB', content: { 'application/problem+json': { schema: PROBLEM } } }
        responses['415'] ??= { description: 'Request body is not JSON', content: { 'application/problem+json': { schema: PROBLEM } } }
        responses['501'] ??= { description: 'A `Transfer-Encoding` other than `chunked`', content: { 'application/problem+json': { schema: PROBLEM } } }
      }
      // A path id is validated as decimal digits (so `0x10` is not id 16) but is an integer
      // to a client: generated clients should take a number.
      for (const parameter of (operation.parameters ?? []) as Json[]) {
        if (parameter.in === 'path' && parameter.schema?.pattern === ID_PATTERN) parameter.schema = { type: 'integer', minimum: 1, maximum: 999_999_999_999_999 }
      }
      for (const [status, response] of Object.entries(responses) as Array<[string, Json]>) {
        const headers: Json = response.headers ??= {}
        if (response.content?.['application/problem+json']) {
          headers['cache-control'] ??= text('`no-store`: a problem is never stored (with a key, `private, no-store`)')
        }
        if (status === '401') headers['www-authenticate'] ??= text('`Bearer realm="broadsheet"`: send an API key as a bearer token')
        if (RATE_LIMITED.has(operation.operationId)) Object.assign(headers, { ...rateLimitHeaders(), ...headers })
        if (!Object.keys(headers).length) delete response.headers
      }
      if (method === 'post' && created?.headers?.location) created.headers.location.required = true
    }
  }
  typeChanges(openapiObject.components?.schemas)
  documentWebhooks(openapiObject)
  describeSchemas(openapiObject.components?.schemas)
  describeSchemas(openapiObject.paths)
  return openapiObject
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Broadsheet content API',
        version: pkg.version,
        description: 'Articles, authors, categories, tags and comments as JSON. Lists share one behaviour: `page`/`perPage` or `cursor` pagination, `sort`, `fields`, `links`, a `Link` header and `X-Total-Count`. Errors are RFC 9457 problem documents. Anonymous callers see published content only. Query parameters an operation does not list are a 400 naming them, as unknown body properties are (a cache-buster such as `?_=123` too): a misspelt filter never silently returns the unfiltered list. A method a path does not take is a 405 whose `Allow` header names those it does. Text fields are plain text, to be escaped before they go into HTML; only `bodyHtml` and a search hit\'s `snippet` are HTML, sanitized.',
        license: { name: 'MIT', identifier: 'MIT' }
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: [
        { name: 'articles', description: 'Articles, their bodies, table of contents and embeds' },
        { name: 'authors', description: 'Authors and their public profiles' },
        { name: 'categories', description: 'Categories (a tree)' },
        { name: 'tags', description: 'Tags' },
        { name: 'comments', description: 'Reader comments and moderation' },
        { name: 'keys', description: 'API keys (admins)' },
        { name: 'sync', description: 'Delta sync: what changed since a cursor, with tombstones' },
        { name: 'webhooks', description: 'Signed webhooks (admins)' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key made with `npm run cli -- keys create` or `POST /v1/keys`' }
        }
      }
    },
    transformObject: documentSharedBehaviour as never,
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `Schema${i}`
      }
    }
  })
}, { name: 'swagger' })
