import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IdParams, Many, One, Ref, problems, secured } from '../lib/schemas.js'
import { checkIfMatch, sendCreated, sendOne } from '../lib/http.js'
import { writeLocked } from '../db/client.js'
import { sendList } from '../lib/list.js'
import { FieldError, NotFound } from '../lib/errors.js'
import { DeliveryListItemSchema, DeliveryListQuery, DeliverySchema, NewWebhookSchema, WebhookCreate, WebhookListItemSchema, WebhookListQuery, WebhookSchema, WebhookUpdate } from './schemas.js'
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, queuePing, updateWebhook } from './queries.js'
import { checkTarget, TargetRefused } from './target.js'

const ifMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag you read: a 412 and no change if the subscription has changed since' })) })

const webhookRoutes: FastifyPluginAsyncTypebox = async function (fastify) {
  const { db, config } = fastify
  fastify.addHook('preValidation', fastify.allow('admin'))

  async function allowedUrl (url: string | undefined) {
    if (url === undefined) return
    try {
      await checkTarget(url, config.webhookAllowPrivate)
    } catch (err) {
      if (err instanceof TargetRefused) throw new FieldError('/url', err.message)
      throw err
    }
  }

  function existing (id: string) {
    const webhook = getWebhook(db, Number(id))
    if (!webhook) throw new NotFound('Webhook')
    return webhook
  }

  fastify.get('/', {
    schema: { operationId: 'listWebhooks', tags: ['webhooks'], summary: 'List webhook subscriptions', description: 'Oldest first; never their secrets.', security: secured, querystring: WebhookListQuery, response: { 200: Many(Ref(WebhookListItemSchema)), ...problems(400, 401, 403) } }
  }, async (request, reply) => {
    const { page, items } = listWebhooks(db, request.query)
    return sendList(request, reply, page, items)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createWebhook',
      tags: ['webhooks'],
      summary: 'Subscribe a URL to events',
      description: 'Deliveries are JSON POSTs `{id, event, createdAt, data}` signed with `Broadsheet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>`, queued in the database with the change, retried with exponential backoff for a day. Events are about published articles only: an article while published (`article.unpublished`, with the article as it was while published, when it stops being), comments on published articles (`comment.created` also while awaiting moderation); a draft\'s edits and deletion are not announced. The secret is shown once.',
      security: secured,
      body: Ref(WebhookCreate),
      response: { 201: One(Ref(NewWebhookSchema)), ...problems(400, 401, 403, 413, 415) }
    }
  }, async (request, reply) => {
    const input = request.body as WebhookCreate
    await allowedUrl(input.url)
    reply.header('cache-control', 'private, no-store')
    return sendCreated(request, reply, createWebhook(db, input))
  })

  fastify.get('/:id', {
    schema: { operationId: 'getWebhook', tags: ['webhooks'], summary: 'Get a webhook subscription', security: secured, params: IdParams, response: { 200: One(Ref(WebhookSchema)), ...problems(400, 401, 403, 404) } }
  }, async (request, reply) => sendOne(reply, existing(request.params.id)))

  fastify.patch('/:id', {
    schema: { operationId: 'updateWebhook', tags: ['webhooks'], summary: 'Change a webhook subscription', security: secured, params: IdParams, headers: ifMatchHeaders, body: Ref(WebhookUpdate), response: { 200: One(Ref(WebhookSchema)), ...problems(400, 401, 403, 404, 412, 413, 415) } }
  }, async (request, reply) => {
    existing(request.params.id)
    const input = request.body as WebhookUpdate
    // The URL check resolves DNS: before the write lock, not while holding it.
    await allowedUrl(input.url)
    return sendOne(reply, writeLocked(db, () => {
      checkIfMatch(request, existing(request.params.id))
      return updateWebhook(db, Number(request.params.id), input)
    }))
  })

  fastify.delete('/:id', {
    schema: { operationId: 'deleteWebhook', tags: ['webhooks'], summary: 'Delete a webhook subscription and its deliveries', security: secured, params: IdParams, headers: ifMatchHeaders, response: { 204: Type.Null({ description: 'Deleted' }), ...problems(400, 401, 403, 404, 412) } }
  }, async (request, reply) => {
    writeLocked(db, () => {
      checkIfMatch(request, existing(request.params.id))
      deleteWebhook(db, Number(request.params.id))
    })
    return reply.code(204).send(null)
  })

  fastify.get('/:id/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries',
      tags: ['webhooks'],
      summary: 'Deliveries of a webhook: attempts, status codes and responses, newest first',
      security: secured,
      params: IdParams,
      querystring: DeliveryListQuery,
      response: { 200: Many(Ref(DeliveryListItemSchema)), ...problems(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    existing(request.params.id)
    reply.header('cache-control', 'private, no-store')
    const { page, items } = listDeliveries(db, Number(request.params.id), request.query)
    return sendList(request, reply, page, items)
  })

  fastify.post('/:id/ping', {
    schema: {
      operationId: 'pingWebhook',
      tags: ['webhooks'],
      summary: 'Send a test delivery (event `ping`)',
      description: 'Queues a signed `ping` delivery and sends it at once (with WORKERS, within about half a second); follow it in the deliveries list.',
      security: secured,
      params: IdParams,
      response: { 202: One(Ref(DeliverySchema)), ...problems(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    existing(request.params.id)
    const delivery = queuePing(db, Number(request.params.id))
    fastify.deliverWebhooksSoon()
    return reply.code(202).send({ data: delivery })
  })
}

export default webhookRoutes
