/**
 * Security headers suited to a JSON API: nothing may be framed or run from our responses.
 * The interactive docs set their own Content-Security-Policy (swagger-ui's staticCSP).
 * https://github.com/fastify/fastify-helmet
 */
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

export default fp(async function helmetPlugin (fastify) {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // Public content is meant to be fetched from other origins.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    hsts: false
  })
}, { name: 'helmet' })
