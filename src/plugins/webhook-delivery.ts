/**
 * Sends queued webhook deliveries: signed JSON POSTs, retried with backoff by the
 * queue (webhooks/queries.ts). The queue lives in the database, so deliveries survive
 * restarts. Also purges change-log entries and finished deliveries past the retention.
 */
import fp from 'fastify-plugin'
import { dueDeliveries, purgeDeliveries, recordAttempt, type Attempt, type DueDelivery } from '../webhooks/queries.js'
import { checkTarget } from '../webhooks/target.js'
import { signature } from '../webhooks/sign.js'
import { purgeChanges } from '../changes/queries.js'
import { now } from '../lib/time.js'

declare module 'fastify' {
  interface FastifyInstance {
    deliverWebhooksSoon: () => void
    /** Drops change-log entries and finished deliveries older than the retention (run every minute). */
    purgeExpired: () => void
  }
}

const TICK_MS = 500
const KICK_DELAY_MS = 20
const TIMEOUT_MS = 10_000
const BATCH = 8
const PURGE_EVERY_MS = 60_000

export default fp(async function webhookDeliveryPlugin (fastify) {
  const { db, config } = fastify
  // With WORKERS, worker 1 alone sends (two senders could send a delivery twice); it finds
  // what the other workers queue at its next tick.
  if (!config.backgroundJobs) {
    fastify.decorate('deliverWebhooksSoon', () => {})
    fastify.decorate('purgeExpired', () => {})
    return
  }
  const inFlight = new Set<number>()
  let running: Promise<void> | null = null
  let closing = false
  let lastPurge = 0

  async function send ({ delivery, webhook }: DueDelivery): Promise<Attempt> {
    try {
      await checkTarget(webhook.url, config.webhookAllowPrivate)
      const body = JSON.stringify({ id: delivery.id, ...JSON.parse(delivery.payload) })
      const res = await fetch(webhook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Broadsheet-Webhooks/1',
          'broadsheet-event': delivery.event,
          'broadsheet-delivery': String(delivery.id),
          'broadsheet-signature': signature(webhook.secret, body)
        },
        body
      })
      const text = (await res.text()).slice(0, 1024)
      return { ok: res.status >= 200 && res.status < 300, statusCode: res.status, error: res.ok ? null : `HTTP ${res.status}`, response: text }
    } catch (err) {
      return { ok: false, statusCode: null, error: (err as Error).message.slice(0, 500), response: null }
    }
  }

  function purgeExpired () {
    const before = now() - config.changesRetentionDays * 86_400_000
    // Cached feed pages must give way to 410s for the cursors the purge expired.
    if (purgeChanges(db, before) > 0) fastify.contentChanged({})
    purgeDeliveries(db, before)
  }
  fastify.decorate('purgeExpired', purgeExpired)

  async function tick () {
    const at = now()
    if (at - lastPurge > PURGE_EVERY_MS) {
      lastPurge = at
      purgeExpired()
    }
    for (;;) {
      const due = dueDeliveries(db, now(), BATCH, [...inFlight])
      if (!due.length || closing) return
      await Promise.all(due.map(async (item) => {
        inFlight.add(item.delivery.id)
        try {
          const attempt = await send(item)
          recordAttempt(db, item.delivery, attempt)
        } finally {
          inFlight.delete(item.delivery.id)
        }
      }))
    }
  }

  function kick () {
    if (running || closing) return
    running = tick()
      .catch((err) => { fastify.log.error({ err }, 'webhook delivery failed; will retry') })
      .finally(() => { running = null })
  }

  // After a write, deliveries start within KICK_DELAY_MS; a burst of writes shares one
  // look at the queue instead of paying for one per write.
  let soon: NodeJS.Timeout | null = null
  function kickSoon () {
    if (soon) return
    soon = setTimeout(() => { soon = null; kick() }, KICK_DELAY_MS)
    soon.unref()
  }
  fastify.decorate('deliverWebhooksSoon', kickSoon)
  fastify.onContentChange(kickSoon)
  const timer = setInterval(kick, TICK_MS)
  timer.unref()
  fastify.addHook('onReady', async () => kick())
  fastify.addHook('onClose', async () => {
    closing = true
    clearInterval(timer)
    if (soon) clearTimeout(soon)
    await running
  })
}, { name: 'webhook-delivery', dependencies: ['db', 'changes', 'config'] })
