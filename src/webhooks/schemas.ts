import { Type, type Static } from 'typebox'
import { Nullable, Timestamp, listItemProperties } from '../lib/schemas.js'
import { listQueryProperties, queryObject } from '../lib/list.js'
import { COMMENT_STATUSES } from '../comments/schemas.js'

export const WEBHOOK_EVENTS = ['article.published', 'article.updated', 'article.unpublished', 'article.deleted', 'comment.created', 'comment.approved'] as const

const events = Type.Array(Type.Enum([...WEBHOOK_EVENTS, '*']), {
  minItems: 1,
  maxItems: 10,
  uniqueItems: true,
  description: `Events to receive: ${WEBHOOK_EVENTS.map((e) => `\`${e}\``).join(', ')}, or \`*\` for all`
})
const url = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://', description: 'Where deliveries are POSTed. Private, loopback and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true, and so are URLs with credentials (`user:pass@`): check Broadsheet-Signature instead.' })

export const WebhookSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp
}, { $id: 'Webhook', title: 'Webhook' })

export const NewWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'The signing secret. Shown this once.' })
}, { $id: 'NewWebhook', title: 'NewWebhook' })

export const WebhookCreate = Type.Object({
  url,
  events,
  secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200, description: 'HMAC-SHA256 key; generated when omitted' })),
  active: Type.Optional(Type.Boolean())
}, { $id: 'WebhookCreate', title: 'WebhookCreate', additionalProperties: false })
export type WebhookCreate = Static<typeof WebhookCreate>

export const WebhookUpdate = Type.Object({
  url: Type.Optional(url),
  events: Type.Optional(events),
  secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
  active: Type.Optional(Type.Boolean())
}, { $id: 'WebhookUpdate', title: 'WebhookUpdate', additionalProperties: false, minProperties: 1 })
export type WebhookUpdate = Static<typeof WebhookUpdate>

// What a delivery POSTs. Article events say what the article was while it was public
// (an unpublish: as it was published, with its new status).
const ArticleEventData = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  title: Type.String(),
  status: Type.Enum(['draft', 'scheduled', 'published', 'archived']),
  publishedAt: Nullable(Timestamp),
  authorId: Type.Integer()
}, { $id: 'WebhookArticleData', title: 'WebhookArticleData', description: 'article.* events' })

const CommentEventData = Type.Object({
  id: Type.Integer(),
  articleId: Type.Integer(),
  parentId: Nullable(Type.Integer()),
  status: Type.Enum([...COMMENT_STATUSES])
}, { $id: 'WebhookCommentData', title: 'WebhookCommentData', description: 'comment.* events (read the comment itself with a key: it may await moderation)' })

const PingData = Type.Object({ webhookId: Type.Integer() }, { $id: 'WebhookPingData', title: 'WebhookPingData', description: 'The `ping` a POST /v1/webhooks/{id}/ping queues' })

const payloadProperties = {
  event: Type.Enum([...WEBHOOK_EVENTS, 'ping']),
  createdAt: Timestamp,
  data: Type.Union([Type.Ref('WebhookArticleData'), Type.Ref('WebhookCommentData'), Type.Ref('WebhookPingData')])
}

export const WebhookPayloadSchema = Type.Object(payloadProperties, { $id: 'WebhookPayload', title: 'WebhookPayload', description: 'An event as queued; the body POSTed adds the delivery `id`' })

export const WebhookEventSchema = Type.Object({
  id: Type.Integer({ description: 'The delivery id, the same on every retry: receivers dedupe by it (delivery is at least once)' }),
  ...payloadProperties
}, { $id: 'WebhookEvent', title: 'WebhookEvent', description: 'The JSON body a webhook delivery POSTs, signed in `Broadsheet-Signature: t=…,v1=…` (HMAC-SHA256 of `t.body` with the secret)' })

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  webhookId: Type.Integer(),
  event: Type.String(),
  payload: Type.Object({}, { additionalProperties: true, description: 'The event as queued (a WebhookPayload)' }),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Timestamp),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastResponse: Nullable(Type.String({ description: 'The first 1 KB of the receiver\'s last answer' })),
  createdAt: Timestamp,
  deliveredAt: Nullable(Timestamp)
}, { $id: 'WebhookDelivery', title: 'WebhookDelivery' })

const fieldsNote = 'every field, or only those named in `fields` (plus id)'
export const WebhookListItemSchema = Type.Object(listItemProperties(WebhookSchema.properties), { $id: 'WebhookListItem', title: 'WebhookListItem', description: `A subscription in a list: ${fieldsNote}` })
export const DeliveryListItemSchema = Type.Object(listItemProperties(DeliverySchema.properties), { $id: 'WebhookDeliveryListItem', title: 'WebhookDeliveryListItem', description: `A delivery in a list: ${fieldsNote}` })

export const deliveryListNames = { sortable: ['createdAt'], defaultSort: '-createdAt', fields: Object.keys(DeliverySchema.properties) }
export const DeliveryListQuery = queryObject(listQueryProperties(deliveryListNames))

export const webhookListNames = { sortable: ['createdAt'], defaultSort: 'createdAt', fields: Object.keys(WebhookSchema.properties) }
export const WebhookListQuery = queryObject(listQueryProperties(webhookListNames))

export const webhookSchemas = [ArticleEventData, CommentEventData, PingData, WebhookPayloadSchema, WebhookEventSchema, WebhookSchema, NewWebhookSchema, WebhookCreate, WebhookUpdate, DeliverySchema, WebhookListItemSchema, DeliveryListItemSchema]
