/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas.
 * https://github.com/fastify/fastify-swagger
 * Shared schemas (fastify.addSchema with an $id) become components named by their $id.
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Broadsheet content API',
        version: pkg.version,
        description: 'Articles, authors, categories, tags and comments as JSON. Lists share one behaviour: `page`/`perPage` or `cursor` pagination, `sort`, `fields`, `links`, a `Link` header and `X-Total-Count`. Errors are RFC 9457 problem documents. Anonymous callers see published content only.',
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
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `Schema${i}`
      }
    }
  })
}, { name: 'swagger' })
