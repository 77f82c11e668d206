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
    maxAge: 600
  }
  // Built once: the delegator runs on every request.
  const reads = { ...shared, origin: '*' }
  const writes = { ...shared, origin: writeOrigins.length ? writeOrigins : false, credentials: false }
  await fastify.register(cors, {
    delegator (request: FastifyRequest, callback: (err: Error | null, options: object) => void) {
      const requested = request.method === 'OPTIONS' ? String(request.headers['access-control-request-method'] ?? '').toUpperCase() : request.method
      callback(null, READS.has(requested) || (requested === 'POST' && COMMENT_FORM.test(request.url)) ? reads : writes)
    }
  })
}, { name: 'cors', dependencies: ['config'] })
