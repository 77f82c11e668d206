import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problems } from '../lib/schemas.js'
import { databaseAnswers } from './queries.js'
import { sendProblem } from '../plugins/errors.js'

const Status = Type.Object({ status: Type.String() })

const healthRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  fastify.get('/health', {
    schema: {
      operationId: 'health',
      tags: ['health'],
      summary: 'Liveness: the process answers',
      security: [],
      response: { 200: Status, ...problems(401) }
    }
  }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })

  fastify.get('/health/ready', {
    schema: {
      operationId: 'ready',
      tags: ['health'],
      summary: 'Readiness: the database answers',
      security: [],
      response: { 200: Status, ...problems(401, 503) }
    }
  }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    if (!databaseAnswers(fastify.db)) return sendProblem(reply, 503, 'The database does not answer')
    return { status: 'ready' }
  })
}

export default healthRoutes
