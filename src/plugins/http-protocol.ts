/**
 * What Node's HTTP server answers by itself, or not at all, made a problem document like
 * every other refusal, and the request checks RFC 9112 asks of a server:
 * - a request with no Host (HTTP/1.1), two Host lines or an invalid Host: 400 (3.2).
 *   Node's own check answers a missing Host with an empty 400, so it is off (app.ts);
 * - `Expect` other than `100-continue`: 417 (Node sent an empty one);
 * - CONNECT: 405 (Node closed the connection without a word);
 * - more than 2,000 header lines: all are read. Node dropped those after the 2,000th
 *   without a word, an If-Match among them; the 16 KB header limit bounds them;
 * - what the parser refuses (clientError), and CONNECT, after the answer to a request
 *   pipelined before them.
 */
import fp from 'fastify-plugin'
import type { Socket } from 'node:net'
import { maxHeaderSize, type IncomingMessage, type ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { problem, problemBytes } from '../lib/errors.js'
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

/**
 * Runs `fn` once the response in flight on `socket` is written: a request read whole
 * before the refused bytes (pipelined) may have been a write, and the client must hear
 * its answer, in order. A request still being read is the one refused: at once.
 */
function afterAnswered (socket: Socket, fn: () => void) {
  const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
  if (pending && pending.req?.complete && !pending.writableFinished && !pending.destroyed) {
    let done = false
    const once = () => { if (!done) { done = true; fn() } }
    pending.once('finish', once)
    pending.once('close', once)
    return
  }
  fn()
}

/** Writes a problem document to the socket, then closes it. */
function refuse (socket: Socket, status: number, detail: string, err?: Error, extra: Record<string, string> = {}) {
  if (socket.writable) {
    const { body, headers } = problemBytes(status, detail)
    const head = Object.entries({ ...headers, ...extra, connection: 'close' }).map(([name, value]) => `${name}: ${value}`).join('\r\n')
    socket.write(`HTTP/1.1 ${status} ${problem(status, detail).title}\r\n${head}\r\n\r\n${body}`)
  }
  socket.destroy(err)
}

/**
 * A request Node's HTTP parser refuses (a bad chunk size, two Content-Lengths, a header
 * over 16 KB, a TLS handshake on the plain port) never reaches a route or the error
 * handler: Fastify writes to the socket itself. The same statuses as Fastify's own
 * handler, as a problem document; the connection is closed after it. If the bytes
 * follow a whole request still being answered (pipelined), that answer is finished
 * first: its write may have been made, and the client must hear so.
 */
export function clientError (this: FastifyInstance, err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed || refusing.has(socket)) return
  refusing.add(socket)
  const [status, detail] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'The request did not arrive in time']
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? (targetTooLong(err.rawPacket) ? [414, 'The request target (URL) is over 16 KB'] : [431, 'The request line and headers are over 16 KB'])
      : [400, 'The request is not valid HTTP/1.1']
  // Not the error itself: Node's parse errors carry the raw request (`rawPacket`), with
  // its Authorization header and body.
  this.log.trace({ code: err.code, reason: (err as { reason?: string }).reason }, 'client error')
  afterAnswered(socket, () => refuse(socket, status, detail, err))
}

/** Sockets whose refusal is under way (Node reports each later byte's error again). */
const refusing = new WeakSet<Socket>()

/**
 * Whether a header overflow happened in the request line. Node hands over the bytes of
 * the read that overflowed: when they start a request and its first line break is past
 * the header limit (16 KB; or absent), the request line alone is over it. A request line read
 * in pieces is told as a 431.
 */
function targetTooLong (packet: unknown): boolean {
  if (!Buffer.isBuffer(packet) || !/^[A-Z]+ /.test(packet.toString('latin1', 0, 16))) return false
  const end = packet.indexOf(10)
  return end === -1 || end > MAX_HEADER_BYTES
}

const MAX_HEADER_BYTES = maxHeaderSize

export default fp(async function httpProtocolPlugin (fastify) {
  const server = fastify.server
  server.maxHeadersCount = 0
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const { body, headers } = problemBytes(417, 'Only `Expect: 100-continue` is supported')
    res.writeHead(417, { ...headers, connection: 'close' }).end(body)
  })
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    afterAnswered(socket, () => refuse(socket, 405, 'CONNECT is not supported: this is not a proxy', undefined, { allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS' }))
  })
  // First of all onRequest hooks: before the response cache answers anything.
  fastify.addHook('onRequest', function checkHost (request, reply, done) {
    const refused = hostProblem(request.raw)
    if (refused === null) return done()
    reply.header('connection', 'close')
    sendProblem(reply, 400, refused)
  })
}, { name: 'http-protocol' })
