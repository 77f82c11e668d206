/**
 * The application as a plugin: tests build it with `inject`, server.ts listens.
 * Order: configuration and data, cross-cutting plugins, then the routes of each resource.
 */
import type { FastifyHttpOptions, FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Server } from 'node:http'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import AjvCompiler from '@fastify/ajv-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import configPlugin from './plugins/config.js'
import gracefulClosePlugin from './plugins/graceful-close.js'
import httpProtocolPlugin, { clientError } from './plugins/http-protocol.js'
import dbPlugin from './plugins/db.js'
import errorsPlugin from './plugins/errors.js'
import jsonBodyPlugin from './plugins/json-body.js'
import schemasPlugin from './plugins/schemas.js'
import authPlugin from './plugins/auth.js'
import httpCachePlugin from './plugins/http-cache.js'
import swaggerPlugin from './plugins/swagger.js'
import swaggerUiPlugin from './plugins/swagger-ui.js'
import schedulerPlugin from './plugins/scheduler.js'
import changesPlugin from './plugins/changes.js'
import corsPlugin from './plugins/cors.js'
import helmetPlugin from './plugins/helmet.js'
import compressPlugin from './plugins/compress.js'
import responseCachePlugin, { responseCacheStore } from './plugins/response-cache.js'
import healthRoutes from './health/routes.js'
import articleRoutes from './articles/routes.js'
import authorRoutes from './authors/routes.js'
import categoryRoutes from './categories/routes.js'
import tagRoutes from './tags/routes.js'
import commentRoutes from './comments/routes.js'
import keyRoutes from './keys/routes.js'
import changeRoutes from './changes/routes.js'
import webhookRoutes from './webhooks/routes.js'
import webhookDeliveryPlugin from './plugins/webhook-delivery.js'
import { MAX_PARAM_LENGTH, sendProblem } from './plugins/errors.js'
import { buildSerializer } from './lib/serializer.js'

export async function app (fastify: FastifyInstance, opts: { config: Config }) {
  // JSON is the only request body we accept: anything else is a 415 before any handler runs.
  fastify.removeContentTypeParser(['text/plain'])
  await fastify.register(jsonBodyPlugin)
  await fastify.register(configPlugin, { config: opts.config })
  await fastify.register(gracefulClosePlugin)
  await fastify.register(dbPlugin)
  await fastify.register(errorsPlugin)
  await fastify.register(swaggerPlugin)
  await fastify.register(schemasPlugin)
  await fastify.register(changesPlugin)
  // Hook order matters. onRequest: the Host check first, then the response cache answers
  // hits before anything else.
  // onSend: ETag/304 first, then the cache stores the plain bytes, then compression.
  await fastify.register(httpProtocolPlugin)
  await fastify.register(responseCachePlugin)
  await fastify.register(corsPlugin)
  await fastify.register(helmetPlugin)
  await fastify.register(authPlugin)
  await fastify.register(httpCachePlugin)
  await fastify.register(responseCacheStore)
  await fastify.register(compressPlugin)
  await fastify.register(schedulerPlugin)
  await fastify.register(webhookDeliveryPlugin)

  await fastify.register(healthRoutes)
  await fastify.register(async function v1 (api) {
    await api.register(articleRoutes, { prefix: '/articles' })
    await api.register(commentRoutes)
    await api.register(authorRoutes, { prefix: '/authors' })
    await api.register(categoryRoutes, { prefix: '/categories' })
    await api.register(tagRoutes, { prefix: '/tags' })
    await api.register(keyRoutes, { prefix: '/keys' })
    await api.register(changeRoutes)
    await api.register(webhookRoutes, { prefix: '/webhooks' })
  }, { prefix: '/v1' })
  await fastify.register(swaggerUiPlugin)
}

/** Fastify options shared by the server and tests. */
export function serverOptions (config: Config): FastifyHttpOptions<Server> {
  return {
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // Behind a reverse proxy, the client address (the comment allowance is per address)
    // comes from X-Forwarded-For, from the proxies TRUST_PROXY names.
    trustProxy: trustedProxies(config.trustProxy),
    bodyLimit: 1024 * 1024,
    // Fastify's default is no limit: a client that sends part of a body and then nothing
    // held its connection forever. Node checks the time every connectionsCheckingInterval.
    requestTimeout: config.requestTimeoutMs,
    // Node times out a request only while headersTimeout is no longer than requestTimeout.
    // Host is checked by plugins/http-protocol.ts, which answers with a problem document.
    http: {
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
      requireHostHeader: false
    },
    // A request that arrives while the server closes (on a connection accepted before) is
    // still answered, with `Connection: close` (plugins/graceful-close.ts). Fastify's 503
    // for it would break "finish requests in flight" and is not a problem document.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        // Unknown properties are rejected (a 400), not silently dropped.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false
      },
      onCreate: onlyRepresentableTimes
    },
    // The router rejects malformed percent-encoding (`%zz`) and path segments over
    // maxParamLength before any hook runs: answer those with a problem document too.
    frameworkErrors: function frameworkError (error, _request, reply) {
      sendProblem(reply, 400, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long' : 'The URL is not valid (check its percent-encoding)')
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    // What Node's HTTP parser refuses: a problem document too.
    clientErrorHandler: clientError,
    rewriteUrl: originForm,
    schemaController: { compilersFactory: { buildValidator: strictBodyValidator as never, buildSerializer: buildSerializer as never } }
  }
}

/**
 * A request target in absolute form (`GET http://other.example/v1/tags`, as sent to a
 * proxy) becomes its path and query: links, `Link` and `Location` are built from the URL,
 * and must not name an origin the client chose (API.md: links are relative).
 */
export function originForm (req: { url?: string }): string {
  const url = req.url ?? '/'
  if (url.startsWith('/')) return url
  try {
    const { pathname, search } = new URL(url)
    return pathname + search
  } catch {
    return url
  }
}

/**
 * Fastify trusts no one for a bare number (it cannot check the nearest peer), so a hop
 * count becomes the function proxy-addr asks for each address, nearest first.
 */
function trustedProxies (trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof trust !== 'number') return trust
  return (_address: string, hop: number) => hop < trust
}

const ajvFactory = AjvCompiler()

/**
 * ajv-formats' `date-time` accepts leap seconds (`…T23:59:60Z`), which Date.parse turns
 * into NaN, and years that leave 0000–9999 once moved to UTC, which toISOString cannot
 * print as RFC 3339. Both are a 400 naming the field, never a NaN stored as a time.
 */
function onlyRepresentableTimes (ajv: Parameters<NonNullable<NonNullable<FastifyServerOptions['ajv']>['onCreate']>>[0]) {
  const rfc3339 = ajv.formats['date-time'] as { validate: (value: string) => boolean, compare: (a: string, b: string) => number | undefined }
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => {
      if (!rfc3339.validate(value)) return false
      const ms = Date.parse(value)
      const year = new Date(ms).getUTCFullYear()
      return Number.isFinite(ms) && year >= 0 && year <= 9999
    },
    compare: rfc3339.compare
  })
}

/**
 * Query strings and path parameters are text, so they are coerced ("5" → 5); JSON bodies
 * are not: `{"featured": "yes"}` or `{"title": 5}` is a 400, never silently converted.
 *
 * `Infinity` and `1e400` coerce to the number Infinity. With Ajv's default strictNumbers
 * the coerced value then skips `minimum`/`maximum` (they only check finite numbers), so
 * `?page=Infinity` reached the query as Infinity. The coercing validator leaves numbers
 * unrestricted instead, and every integer in a query or path has a `maximum`, which
 * Infinity fails (a 400 naming the parameter). JSON bodies keep strictNumbers.
 */
function strictBodyValidator (externalSchemas: unknown, ajvOptions: { customOptions?: Record<string, unknown> }) {
  const coercing = ajvFactory(externalSchemas as never, { ...ajvOptions, customOptions: { ...ajvOptions.customOptions, strictNumbers: false } } as never)
  const strict = ajvFactory(externalSchemas as never, { ...ajvOptions, customOptions: { ...ajvOptions.customOptions, coerceTypes: false } } as never)
  return (route: { httpPart?: string }) => (route.httpPart === 'body' ? strict : coercing)(route as never)
}

/** Builds a ready app (used by tests, the CLI-free scripts and server.ts). */
export async function buildApp (config: Config, extra: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({ ...serverOptions(config), ...extra }).withTypeProvider<TypeBoxTypeProvider>()
  await fastify.register(fp(app), { config })
  await fastify.ready()
  return fastify
}
