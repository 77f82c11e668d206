/**
 * Sends queued webhook deliveries: signed JSON POSTs, retried with backoff by the
 * queue (webhooks/queries.ts). The queue lives in the database, so deliveries survive
 * restarts. Also purges change-log entries and finished deliveries past the retention.
 */
import fp from 'fastify-plugin'
import { dueDeliveries, purgeDeliveries, recordAttempt, type Attempt, type DueDelivery } from '../webhooks/queries.js'
import { postTo } from '../webhooks/target.js'
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
/** Deliveries in flight at once, and at most PER_WEBHOOK of them to one subscription. */
const IN_FLIGHT = 8
const PER_WEBHOOK = 2
/** The bytes of a receiver's answer kept with the delivery (the rest is not read). */
const KEEP_BYTES = 1024
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
  // Each delivery in flight, with what stops it when the server closes.
  const inFlight = new Map<number, { webhookId: number, stop: AbortController, done: Promise<void> }>()
  let closing = false
  let abandoned = false
  let lastPurge = 0

  async function send ({ delivery, webhook }: DueDelivery, stop: AbortSignal): Promise<Attempt> {
    try {
      const body = JSON.stringify({ id: delivery.id, ...JSON.parse(delivery.payload) })
      const { status, response } = await postTo(webhook.url, body, {
        'content-type': 'application/json',
        'user-agent': 'Broadsheet-Webhooks/1',
        'broadsheet-event': delivery.event,
        'broadsheet-delivery': String(delivery.id),
        'broadsheet-signature': signature(webhook.secret, body)
      }, { allowPrivate: config.webhookAllowPrivate, signal: AbortSignal.any([stop, AbortSignal.timeout(TIMEOUT_MS)]), keep: KEEP_BYTES })
      const ok = status >= 200 && status < 300
      return { ok, statusCode: status, error: ok ? null : `HTTP ${status}`, response }
    } catch (err) {
      const error = (err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (err as Error).message
      return { ok: false, statusCode: null, error: error.slice(0, 500), response: null }
    }
  }

  function purgeExpired () {
    const before = now() - config.changesRetentionDays * 86_400_000
    // Cached feed pages must give way to 410s for the cursors the purge expired.
    if (purgeChanges(db, before) > 0) fastify.contentChanged({})
    purgeDeliveries(db, before)
  }
  fastify.decorate('purgeExpired', purgeExpired)

  /**
   * Starts due deliveries while there is room. Each finished delivery makes room for the
   * next, so a receiver that hangs holds only its own slots, never the others' turns.
   */
  function fill () {
    const perWebhook = new Map<number, number>()
    for (const { webhookId } of inFlight.values()) perWebhook.set(webhookId, (perWebhook.get(webhookId) ?? 0) + 1)
    // Again while a look started something and left room: the rows read may all have
    // been for subscriptions that filled up meanwhile.
    for (let started = true; started && !closing && inFlight.size < IN_FLIGHT;) {
      started = false
      const full = [...perWebhook].filter(([, count]) => count >= PER_WEBHOOK).map(([id]) => id)
      for (const item of dueDeliveries(db, now(), IN_FLIGHT * PER_WEBHOOK, [...inFlight.keys()], full)) {
        if (inFlight.size >= IN_FLIGHT) return
        const count = perWebhook.get(item.webhook.id) ?? 0
        if (count >= PER_WEBHOOK) continue
        perWebhook.set(item.webhook.id, count + 1)
        start(item)
        started = true
      }
    }
  }

  function start (item: DueDelivery) {
    const stop = new AbortController()
    const done = send(item, stop.signal)
      .then((attempt) => {
        // Stopped by the server closing: not an attempt; it stays due for the next start
        // (unless it was answered 2xx before the stop: then it was delivered).
        if (!abandoned && (!stop.signal.aborted || attempt.ok)) recordAttempt(db, item.delivery, attempt)
      })
      .catch((err) => { fastify.log.error({ err }, 'webhook delivery failed; will retry') })
      .finally(() => {
        inFlight.delete(item.delivery.id)
        kick()
      })
    inFlight.set(item.delivery.id, { webhookId: item.webhook.id, stop, done })
  }

  function kick () {
    if (closing) return
    try {
      const at = now()
      if (at - lastPurge > PURGE_EVERY_MS) {
        lastPurge = at
        purgeExpired()
      }
      fill()
    } catch (err) {
      fastify.log.error({ err }, 'webhook delivery failed; will retry')
    }
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
    const stopping = [...inFlight.values()]
    for (const { stop } of stopping) stop.abort()
    // Aborted sends end at once; the wait is bounded all the same.
    let waited: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(stopping.map(({ done }) => done)), new Promise((resolve) => { waited = setTimeout(resolve, 2000) })])
    clearTimeout(waited)
    // Past the wait the database closes: what ends later is not recorded (it stays due).
    abandoned = true
  })
}, { name: 'webhook-delivery', dependencies: ['db', 'changes', 'config'] })
