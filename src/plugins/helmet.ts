/**
 * Security headers suited to a JSON API: nothing may be framed or run from our responses.
 * The interactive docs get their own Content-Security-Policy (plugins/swagger-ui.ts).
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
    // Headers that only mean something for HTML documents in old browsers cost bytes on
    // every JSON response (and on every cache hit) and protect nothing here.
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    dnsPrefetchControl: false,
    ieNoOpen: false,
    permittedCrossDomainPolicies: false,
    xssFilter: false,
    hsts: false
  })
}, { name: 'helmet' })
