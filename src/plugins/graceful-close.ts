/**
 * A clean stop: once closing starts, responses still in flight go out with
 * `Connection: close`, so their keep-alive sockets end with them and the server can
 * finish closing instead of waiting out keep-alive timers. A request that arrives on an
 * existing connection while closing is still answered, with `Connection: close`
 * (return503OnClosing is off, see app.ts); new connections are refused because the
 * listener is closed.
 */
import fp from 'fastify-plugin'
import type { IncomingMessage } from 'node:http'

declare module 'fastify' {
  interface FastifyInstance {
    isClosing: () => boolean
  }
}

export default fp(async function gracefulClosePlugin (fastify) {
  let closing = false
  fastify.decorate('isClosing', () => closing)
  let sweeper: NodeJS.Timeout | undefined
  fastify.addHook('preClose', async function markClosing () {
    closing = true
    // server.close() closes the connections idle at that moment only; a keep-alive
    // socket whose request finishes later would hold the close open until its timeout.
    sweeper = setInterval(() => fastify.server.closeIdleConnections?.(), 50)
    sweeper.unref()
  })
  fastify.addHook('onClose', async function stopSweeping () {
    clearInterval(sweeper)
  })
  // Also after an answer sent before a body was read whole (a 415 or 413 refuses one
  // unread): Node would read the rest on the same connection, and a client that never
  // sends it would then get a 408 it did not ask for after its answer. A request without
  // a body may not be marked complete yet (Node marks it after the request event), so
  // the question is whether it announced one.
  fastify.addHook('onSend', function closeConnection (request, reply, payload, done) {
    if (closing || bodyUnread(request.raw)) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'graceful-close' })

function bodyUnread (raw: IncomingMessage): boolean {
  if (raw.complete) return false
  const length = raw.headers['content-length']
  return raw.headers['transfer-encoding'] !== undefined || Number(length) > 0
}
