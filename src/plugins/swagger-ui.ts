/**
 * Interactive docs at /docs. https://github.com/fastify/fastify-swagger-ui
 */
import fp from 'fastify-plugin'
import swaggerUi from '@fastify/swagger-ui'

// The docs page needs its own scripts, styles and images, which the API's
// `default-src 'none'` forbids: this is swagger-ui's static policy (its `staticCSP: true`)
// without `upgrade-insecure-requests`, since the API is often run on plain http
// (localhost, a container) where upgrading the docs' own requests to https would break
// them. Plus the hash of the one inline <style> swagger-ui renders, inside its top-bar
// logo SVG (@fastify/swagger-ui's csp.json misses it); test/docs-browser.test.ts fails
// on any CSP violation, so a swagger-ui upgrade that changes it shows up there.
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  fontSrc: ["'self'", 'https:', 'data:'],
  frameAncestors: ["'self'"],
  imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", 'https:', "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"]
}

export default fp(async function swaggerUiPlugin (fastify) {
  // The policy is helmet's route configuration for every /docs route, so helmet sets it
  // in onRequest like every other security header. (swagger-ui's `staticCSP` applies it
  // in a late onSend hook instead, which the 304s and hits of the response cache never
  // pass through: a revisit would get `default-src 'none'` and a blank page.)
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config = { ...route.config, helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } } }
    }
  })
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list', tryItOutEnabled: true }
  })
  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())
}, { name: 'swagger-ui', dependencies: ['swagger', 'helmet'] })
