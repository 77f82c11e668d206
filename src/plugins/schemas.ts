import fp from 'fastify-plugin'
import { sharedSchemas } from '../lib/schemas.js'
import { articleSchemas } from '../articles/schemas.js'
import { authorSchemas } from '../authors/schemas.js'
import { categorySchemas } from '../categories/schemas.js'
import { tagSchemas } from '../tags/schemas.js'
import { commentSchemas } from '../comments/schemas.js'
import { keySchemas } from '../keys/schemas.js'
import { changeSchemas } from '../changes/schemas.js'
import { webhookSchemas } from '../webhooks/schemas.js'
import { queryObject } from '../lib/list.js'

// A route that takes no query parameters still rejects them, as lists reject unknown
// ones: `GET /v1/articles/5?fields=title` is a 400, not the whole article without a word.
const NO_QUERY = queryObject({})

/** Registers every schema with an $id once, so routes reference them and the spec lists them under components. */
export default fp(async function schemasPlugin (fastify) {
  for (const schema of [...sharedSchemas, ...articleSchemas, ...authorSchemas, ...categorySchemas, ...tagSchemas, ...commentSchemas, ...keySchemas, ...changeSchemas, ...webhookSchemas]) {
    fastify.addSchema(schema)
  }
  fastify.addHook('onRoute', function noUnknownQuery (route) {
    if (!route.url.startsWith('/v1/') || route.schema?.querystring) return
    route.schema = { ...route.schema, querystring: NO_QUERY }
  })
}, { name: 'schemas', dependencies: ['swagger'] })
