/** Webhook subscriptions and their delivery queue. */
import { randomBytes } from 'node:crypto'
import { and, asc, eq, lte, sql, lt, or } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { webhookDeliveries, webhooks } from '../db/schema.js'
import { literalLimit } from '../db/raw.js'
import { selectPage } from '../db/pages.js'
import { pickFields, planList, type ListParams, type ListSpec } from '../lib/list.js'
import { iso, now } from '../lib/time.js'
import type { WebhookCreate, WebhookUpdate } from './schemas.js'
import { deliveryListNames, webhookListNames } from './schemas.js'

type WebhookRow = typeof webhooks.$inferSelect
type DeliveryRow = typeof webhookDeliveries.$inferSelect

function toWebhook (row: WebhookRow) {
  return { id: row.id, url: row.url, events: row.events, active: row.active, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) }
}

const webhookSpec: ListSpec = {
  sortable: { createdAt: { column: webhooks.id, key: 'id' } },
  defaultSort: webhookListNames.defaultSort,
  id: { column: webhooks.id, key: 'id' },
  fields: webhookListNames.fields
}

/** One page of subscriptions (never their secrets). */
export function listWebhooks (db: Db, query: ListParams) {
  const page = selectPage<WebhookRow>(db, webhooks, planList(webhookSpec, query))
  return { page, items: page.rows.map((row) => pickFields(toWebhook(row), page.plan.fields)) }
}

export function findWebhook (db: Db, id: number): WebhookRow | undefined {
  return db.select().from(webhooks).where(eq(webhooks.id, id)).get()
}

export function getWebhook (db: Db, id: number) {
  const row = findWebhook(db, id)
  return row && toWebhook(row)
}

export function createWebhook (db: Db, input: WebhookCreate) {
  const at = now()
  const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`
  const row = db.insert(webhooks).values({ url: input.url, events: input.events, secret, active: input.active ?? true, createdAt: at, updatedAt: at }).returning().get()
  return { ...toWebhook(row), secret }
}

export function updateWebhook (db: Db, id: number, input: WebhookUpdate) {
  const current = findWebhook(db, id)
  if (!current) return undefined
  const row = db.update(webhooks).set({ ...input, updatedAt: Math.max(now(), current.updatedAt + 1) }).where(eq(webhooks.id, id)).returning().get()
  return toWebhook(row)
}

export function deleteWebhook (db: Db, id: number): boolean {
  return db.delete(webhooks).where(eq(webhooks.id, id)).run().changes > 0
}

/** A test delivery, queued like any other. */
export function queuePing (db: Db, id: number) {
  const at = now()
  const payload = JSON.stringify({ event: 'ping', createdAt: iso(at), data: { webhookId: id } })
  const row = db.insert(webhookDeliveries).values({ webhookId: id, event: 'ping', payload, status: 'pending', nextAttemptAt: at, createdAt: at }).returning().get()
  return toDelivery(row)
}

export function toDelivery (row: DeliveryRow) {
  return {
    id: row.id,
    webhookId: row.webhookId,
    event: row.event,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastResponse: row.lastResponse,
    createdAt: iso(row.createdAt),
    deliveredAt: iso(row.deliveredAt)
  }
}

const deliverySpec: ListSpec = {
  sortable: { createdAt: { column: webhookDeliveries.id, key: 'id' } },
  defaultSort: deliveryListNames.defaultSort,
  id: { column: webhookDeliveries.id, key: 'id' },
  fields: deliveryListNames.fields
}

export function listDeliveries (db: Db, webhookId: number, query: ListParams) {
  const page = selectPage<DeliveryRow>(db, webhookDeliveries, planList(deliverySpec, query), eq(webhookDeliveries.webhookId, webhookId))
  return { page, items: page.rows.map((row) => pickFields(toDelivery(row), page.plan.fields)) }
}

export interface DueDelivery { delivery: DeliveryRow, webhook: WebhookRow }

/** Deliveries whose time has come, oldest first, with their subscription: not those in `skip`, nor any to `skipWebhooks`. */
export function dueDeliveries (db: Db, at: number, limit: number, skip: number[], skipWebhooks: number[] = []): DueDelivery[] {
  return db.select({ delivery: webhookDeliveries, webhook: webhooks }).from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, at),
      skip.length ? sql`${webhookDeliveries.id} not in ${skip}` : undefined,
      skipWebhooks.length ? sql`${webhookDeliveries.webhookId} not in ${skipWebhooks}` : undefined))
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id)).limit(literalLimit(limit)).all()
}

export interface Attempt { ok: boolean, statusCode: number | null, error: string | null, response: string | null }

const DAY = 86_400_000
const FIRST_RETRY_MS = 10_000
const MAX_RETRY_MS = 3600_000

/** Records an attempt: delivered, retried later with exponential backoff, or failed after a day. */
export function recordAttempt (db: Db, delivery: DeliveryRow, attempt: Attempt, at = now()) {
  const attempts = delivery.attempts + 1
  if (attempt.ok) {
    db.update(webhookDeliveries).set({ status: 'delivered', attempts, deliveredAt: at, lastStatusCode: attempt.statusCode, lastError: null, lastResponse: attempt.response })
      .where(eq(webhookDeliveries.id, delivery.id)).run()
    return
  }
  const delay = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS)
  const giveUp = at + delay - delivery.createdAt > DAY
  db.update(webhookDeliveries).set({
    status: giveUp ? 'failed' : 'pending',
    attempts,
    nextAttemptAt: at + delay,
    lastStatusCode: attempt.statusCode,
    lastError: attempt.error,
    lastResponse: attempt.response
  }).where(eq(webhookDeliveries.id, delivery.id)).run()
}

/** Forgets finished deliveries older than the retention. */
export function purgeDeliveries (db: Db, before: number): number {
  return db.delete(webhookDeliveries)
    .where(and(or(eq(webhookDeliveries.status, 'delivered'), eq(webhookDeliveries.status, 'failed')), lt(webhookDeliveries.createdAt, before))).run().changes
}

