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

/** Registers every schema with an $id once, so routes reference them and the spec lists them under components. */
export default fp(async function schemasPlugin (fastify) {
  for (const schema of [...sharedSchemas, ...articleSchemas, ...authorSchemas, ...categorySchemas, ...tagSchemas, ...commentSchemas, ...keySchemas, ...changeSchemas, ...webhookSchemas]) {
    fastify.addSchema(schema)
  }
}, { name: 'schemas', dependencies: ['swagger'] })
