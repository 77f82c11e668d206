/**
 * Publishes scheduled articles at their time. Readers already see a scheduled article
 * once its time has come (visibility is live_at <= now); this flips the row to
 * `published`, recounts, and tells listeners (caches, webhooks) within a second.
 * At start it publishes whatever fell due while the server was down.
 */
import fp from 'fastify-plugin'
import { nextScheduledAt, publishDue } from '../articles/mutations.js'
import { now } from '../lib/time.js'

const TICK_MS = 250

export default fp(async function schedulerPlugin (fastify) {
  // With WORKERS, one worker publishes; the others see scheduled articles go live anyway
  // (visibility is live_at <= now) and notice its writes (plugins/changes.ts).
  if (!fastify.config.backgroundJobs) return
  function tick () {
    try {
      const next = nextScheduledAt(fastify.db)
      if (next === null || next > now()) return
      const touched = publishDue(fastify.db)
      if (touched) fastify.contentChanged(touched)
    } catch (err) {
      fastify.log.error({ err }, 'scheduled publishing failed; will retry')
    }
  }
  fastify.addHook('onReady', async function publishOverdue () {
    tick()
  })
  const timer = setInterval(tick, TICK_MS)
  timer.unref()
  fastify.addHook('onClose', async () => clearInterval(timer))
}, { name: 'scheduler', dependencies: ['db', 'changes'] })
