/**
 * CORS: reads are open to every origin (`*`), and so is the reader's comment form (a
 * submission needs no key, so a page on any origin may send one, as a same-origin form
 * could); other writes only from CORS_WRITE_ORIGINS.
 * https://github.com/fastify/fastify-cors
 */
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { FastifyRequest } from 'fastify'

const READS = new Set(['GET', 'HEAD'])
const COMMENT_FORM = /^\/v1\/articles\/[^/?]+\/comments\/?(\?|$)/

export default fp(async function corsPlugin (fastify) {
  const writeOrigins = fastify.config.corsWriteOrigins
  const shared = {
    // One string, not a list: @fastify/cors joins a list again on every response.
    exposedHeaders: 'ETag, Link, X-Total-Count, Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset',
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match'],
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    maxAge: 600,
    // An OPTIONS without Origin or Access-Control-Request-Method is not a preflight, and
    // got a text/plain 400 ("Invalid Preflight Request"); it is answered as one instead.
    strictPreflight: false
  }
  // Built once: the delegator runs on every request.
  const reads = { ...shared, origin: '*' }
  const writes = { ...shared, origin: writeOrigins.length ? writeOrigins : false, credentials: false }
  await fastify.register(cors, {
    delegator (request: FastifyRequest, callback: (err: Error | null, options: object) => void) {
      // A plain OPTIONS (no method asked for) is answered as for a read.
      const requested = request.method === 'OPTIONS' ? String(request.headers['access-control-request-method'] ?? 'GET').toUpperCase() : request.method
      callback(null, READS.has(requested) || (requested === 'POST' && COMMENT_FORM.test(request.url)) ? reads : writes)
    }
  })
}, { name: 'cors', dependencies: ['config'] })
