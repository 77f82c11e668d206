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
import { FieldError } from '../lib/errors.js'
import type { preValidationHookHandler } from 'fastify'

const DECIMAL = /^-?[0-9]+$/

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
  // Ajv turns a query string into an integer as Number() does: `perPage=0x10` was 16 and
  // `page=1e1` page 10. Integer parameters must be written in decimal digits, as path
  // ids are (ID_PATTERN).
  fastify.addHook('onRoute', function decimalQueryIntegers (route) {
    const properties = (route.schema?.querystring as { properties?: Record<string, { type?: string }> } | undefined)?.properties ?? {}
    const integers = Object.keys(properties).filter((name) => properties[name].type === 'integer')
    if (!integers.length) return
    const check: preValidationHookHandler = function (request, _reply, done) {
      const query = request.query as Record<string, unknown>
      for (const name of integers) {
        const value = query[name]
        if (typeof value === 'string' && !DECIMAL.test(value)) return done(new FieldError(`/query/${name}`, 'must be an integer written in decimal digits'))
      }
      done()
    }
    route.preValidation = [check, ...(Array.isArray(route.preValidation) ? route.preValidation : route.preValidation ? [route.preValidation] : [])]
  })
}, { name: 'schemas', dependencies: ['swagger'] })
