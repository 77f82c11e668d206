/**
 * Interactive docs at /docs. https://github.com/fastify/fastify-swagger-ui
 */
import fp from 'fastify-plugin'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async function swaggerUiPlugin (fastify) {
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list', tryItOutEnabled: true },
    staticCSP: true,
    // The API is often run on plain http (localhost, a container): do not upgrade the
    // docs' own requests to https, which would break them there.
    transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/, '')
  })
  fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())
}, { name: 'swagger-ui', dependencies: ['swagger'] })
