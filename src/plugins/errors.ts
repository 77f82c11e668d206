/**
 * One error handler, one problem+json shape (RFC 9457). Validation failures carry
 * `errors[].path` JSON pointers; 5xx are logged with the request context and masked.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply } from 'fastify'
import { problem, type ProblemField } from '../lib/errors.js'

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
  return reply.code(status).type('application/problem+json').send(problem(status, detail, errors))
}

export default fp(async function errorsPlugin (fastify) {
  fastify.setErrorHandler(function handleError (error: FastifyError & { errors?: ProblemField[] }, request, reply) {
    if (error.validation) {
      const errors = validationErrors(error)
      return sendProblem(reply, 400, `Invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors)
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

  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    return sendProblem(reply, 404, `No route for ${request.method} ${request.url.split('?')[0].slice(0, 200)}`)
  })
}, { name: 'errors' })
