/**
 * Bearer-token authentication. Every request gets `request.caller`; a token that is
 * present but wrong is a 401 on reads too (never a silent downgrade to anonymous).
 * Routes state who may call them with `preValidation: fastify.allow(...)`, so that a
 * caller without the right is told so before their body is validated.
 */
import fp from 'fastify-plugin'
import type { preValidationHookHandler } from 'fastify'
import { ANONYMOUS, type Caller, type Role } from '../lib/caller.js'
import { callerForToken, ensureBootstrapKey } from '../keys/queries.js'
import { Forbidden, Unauthorized } from '../lib/errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
  interface FastifyInstance {
    allow: (...roles: Role[]) => preValidationHookHandler
  }
}

export default fp(async function authPlugin (fastify) {
  if (fastify.config.bootstrapAdminToken) ensureBootstrapKey(fastify.db, fastify.config.bootstrapAdminToken)

  fastify.decorateRequest('caller', null as unknown as Caller)

  // Callback style, like the other hooks every request passes: an async hook would put
  // the rest of the request behind a promise and a microtask.
  fastify.addHook('onRequest', function authenticate (request, _reply, done) {
    const header = request.headers.authorization
    if (header === undefined) {
      request.caller = ANONYMOUS
      return done()
    }
    // RFC 9110 (11.4): one or more spaces after the scheme.
    const match = /^Bearer +([\x21-\x7e]{1,200})$/i.exec(header)
    const caller = match ? callerForToken(fastify.db, match[1]) : null
    if (!caller) {
      request.caller = ANONYMOUS
      return done(new Unauthorized(match ? 'The bearer token is not valid or has been revoked' : 'Use `Authorization: Bearer TOKEN`'))
    }
    request.caller = caller
    done()
  })

  fastify.decorate('allow', function allow (...roles: Role[]): preValidationHookHandler {
    return async function checkRole (request) {
      const { caller } = request
      if (caller.role === 'anonymous') throw new Unauthorized('This needs an API key: `Authorization: Bearer TOKEN`')
      if (!roles.includes(caller.role)) throw new Forbidden(`${/^[aeiou]/.test(caller.role) ? 'An' : 'A'} ${caller.role} key may not do this`)
    }
  })
}, { name: 'auth', dependencies: ['db'] })
