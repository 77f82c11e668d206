/**
 * Security headers suited to a JSON API: nothing may be framed or run from our responses.
 * The interactive docs get their own Content-Security-Policy (plugins/swagger-ui.ts): a
 * route's `config.helmet` is merged over the API's settings, as with @fastify/helmet.
 *
 * Helmet itself (https://helmetjs.github.io) makes the headers. @fastify/helmet calls
 * `helmet(options)` on every request, which parses the options and builds each header's
 * middleware again (~4–8 µs a request, in two onRequest hooks, one of them async); here
 * each configuration's middleware is built once and applied in one callback hook.
 */
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

const API_HEADERS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // Public content is meant to be fetched from other origins.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  crossOriginEmbedderPolicy: false,
  // Headers that only mean something for HTML documents in old browsers cost bytes on
  // every JSON response (and on every cache hit) and protect nothing here.
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  dnsPrefetchControl: false,
  ieNoOpen: false,
  permittedCrossDomainPolicies: false,
  xssFilter: false,
  hsts: false
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Helmet options for this route, over the API's (the docs' Content-Security-Policy). */
    helmet?: HelmetOptions
  }
}

type Middleware = ReturnType<typeof helmet>

export default fp(async function helmetPlugin (fastify) {
  const api = helmet(API_HEADERS)
  // Keyed by the route's options object: built on a route's first request, since other
  // plugins' onRoute hooks set them after ours has run.
  const byRoute = new WeakMap<HelmetOptions, Middleware>()
  function forRoute (options: HelmetOptions): Middleware {
    let found = byRoute.get(options)
    if (found === undefined) {
      found = helmet({ ...API_HEADERS, ...options } as HelmetOptions)
      byRoute.set(options, found)
    }
    return found
  }

  fastify.addHook('onRequest', function securityHeaders (request, reply, done) {
    const own = request.routeOptions.config.helmet
    const apply = own === undefined ? api : forRoute(own)
    apply(request.raw, reply.raw, done as (error?: unknown) => void)
  })
}, { name: 'helmet' })
