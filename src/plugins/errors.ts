/**
 * One error handler, one problem+json shape (RFC 9457). Validation failures carry
 * `errors[].path` JSON pointers; 5xx are logged with the request context and masked.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { problem, type ProblemField } from '../lib/errors.js'
import { problemResponse } from '../lib/schemas.js'

const CONTEXTS: Record<string, string> = { querystring: '/query', params: '/params', headers: '/headers', body: '' }

function escapePointer (name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Ajv errors → `[{path, message}]`, naming the property itself for required/unknown ones. */
function validationErrors (error: FastifyError): ProblemField[] {
  const prefix = CONTEXTS[error.validationContext ?? 'body'] ?? ''
  return (error.validation ?? []).map((v) => {
    let path = prefix + v.instancePath
    const params = v.params as Record<string, unknown>
    let message = v.message ?? 'is invalid'
    if (v.keyword === 'required') {
      path += `/${escapePointer(String(params.missingProperty))}`
      message = 'is required'
    } else if (v.keyword === 'additionalProperties') {
      path += `/${escapePointer(String(params.additionalProperty))}`
      message = 'is not a known property'
    }
    return { path: path || '/', message }
  })
}

export function sendProblem (reply: FastifyReply, status: number, detail: string, errors?: ProblemField[]) {
  // Never stored: a 404 kept by a shared cache would hide an article once it is published.
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', reply.request.headers.authorization === undefined ? 'no-store' : 'private, no-store')
  return reply.code(status).type('application/problem+json').send(problem(status, detail, errors))
}

const BUSY = 'The database is busy with another write; nothing was changed. Try again shortly.'
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']
/** As routerOptions.maxParamLength in app.ts. */
export const MAX_PARAM_LENGTH = 200

export default fp(async function errorsPlugin (fastify) {
  // Any write can find another process holding the write lock: say so in each one's spec.
  fastify.addHook('onRoute', function documentBusy (route) {
    const response = route.schema?.response as Record<string, unknown> | undefined
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (response && !response[503] && methods.some((m) => WRITES.has(m))) {
      response[503] = {
        ...problemResponse('Busy: another process (a worker, the CLI) held the write lock past the 5 s busy timeout. Nothing changed; retry after `Retry-After` seconds.'),
        headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait before sending the write again' } }
      }
    }
  })

  fastify.setErrorHandler(function handleError (error: FastifyError & { errors?: ProblemField[] }, request, reply) {
    if (error.validation) {
      const errors = validationErrors(error)
      return sendProblem(reply, 400, `Invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors)
    }
    if (error.code?.startsWith('SQLITE_BUSY')) {
      // Another process (a worker, the CLI, a backup) held the write lock past the busy timeout.
      request.log.warn({ err: error, url: request.url, method: request.method }, 'database busy')
      reply.header('retry-after', '1')
      return sendProblem(reply, 503, BUSY)
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error, url: request.url, method: request.method }, 'request failed')
      return sendProblem(reply, status, status === 503 ? 'The service is not ready' : 'An unexpected error occurred. It has been logged.')
    }
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="broadsheet"')
    // Our own errors and Fastify's 4xx messages are written for clients; a JSON parse
    // error's message is "Unexpected token…", which names no internals.
    return sendProblem(reply, status, error.message, error.errors)
  })

  // A path that exists under other methods is a 405 naming them (RFC 9110 15.5.6), not a
  // 404: `PUT /v1/articles/5` is a method to change, not an article that is missing.
  // Not for OPTIONS: @fastify/cors passes a preflight it refuses on to here. Nor for a
  // segment over maxParamLength, which every route of that shape would match.
  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    const path = request.url.split('?')[0]
    const allowed = request.method === 'OPTIONS' || path.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH)
      ? []
      : METHODS.filter((method) => fastify.findRoute({ method, url: path }) !== null)
    if (allowed.length && !allowed.includes(request.method)) {
      reply.header('allow', [...allowed, 'OPTIONS'].join(', '))
      return sendProblem(reply, 405, `${request.method.slice(0, 20)} is not allowed on ${path.slice(0, 200)}; it takes ${allowed.join(', ')}`)
    }
    return sendProblem(reply, 404, `No route for ${request.method} ${path.slice(0, 200)}`)
  })
}, { name: 'errors' })
