/**
 * What Node's HTTP server answers by itself, or not at all, made a problem document like
 * every other refusal, and the request checks RFC 9112 asks of a server:
 * - a request with no Host (HTTP/1.1), two Host lines or an invalid Host: 400 (3.2).
 *   Node's own check answers a missing Host with an empty 400, so it is off (app.ts);
 * - `Expect` other than `100-continue`: 417 (Node sent an empty one);
 * - CONNECT: 405 (Node closed the connection without a word);
 * - more than 2,000 header lines: all are read. Node dropped those after the 2,000th
 *   without a word, an If-Match among them; the 16 KB header limit bounds them.
 */
import fp from 'fastify-plugin'
import type { Socket } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { problemBytes } from '../lib/errors.js'
import { sendProblem } from './errors.js'

// RFC 3986: an IP literal or a reg-name (unreserved, pct-encoded, sub-delims), then a port.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/

/** Why the request's Host is refused, or null. */
function hostProblem (req: IncomingMessage): string | null {
  let count = 0
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') count++
  }
  if (count > 1) return 'The request has more than one Host header'
  if (count === 0) return req.httpVersionMajor === 1 && req.httpVersionMinor === 0 ? null : 'The request has no Host header'
  return HOST.test(req.headers.host!) ? null : 'The Host header is not a valid host'
}

export default fp(async function httpProtocolPlugin (fastify) {
  const server = fastify.server
  server.maxHeadersCount = 0
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const { body, headers } = problemBytes(417, 'Only `Expect: 100-continue` is supported')
    res.writeHead(417, { ...headers, connection: 'close' }).end(body)
  })
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    const { body, headers } = problemBytes(405, 'CONNECT is not supported: this is not a proxy')
    const head = Object.entries({ ...headers, allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS', connection: 'close' }).map(([name, value]) => `${name}: ${value}`).join('\r\n')
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\n${head}\r\n\r\n${body}`)
  })
  // First of all onRequest hooks: before the response cache answers anything.
  fastify.addHook('onRequest', function checkHost (request, reply, done) {
    const refused = hostProblem(request.raw)
    if (refused === null) return done()
    reply.header('connection', 'close')
    sendProblem(reply, 400, refused)
  })
}, { name: 'http-protocol' })
