/**
 * Hot reads from memory. A repeated anonymous GET is answered from here, without
 * touching SQLite or serializing again: the stored bytes (and their gzip/brotli forms,
 * made once on demand) are written straight to the socket, and a matching If-None-Match
 * is a 304 from memory.
 *
 * Exactness: every write announces itself (plugins/changes.ts) before its response is
 * sent, and that empties the cache; a response computed before a write is not stored
 * if a write happened while it was in flight (the generation check). Scheduled articles
 * change what the public sees without a write, so entries also expire at the next
 * scheduled publication time. The cache is bounded (RESPONSE_CACHE_MB, LRU eviction).
 */
import fp from 'fastify-plugin'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { FastifyReply, onSendHookHandler } from 'fastify'
import { etagMatches } from './http-cache.js'
import { utf8Bytes } from '../lib/utf8.js'
import { BROTLI_OPTIONS, GZIP_OPTIONS, encodingFor, formEtag } from './compress.js'
import { nextScheduledAt } from '../articles/mutations.js'

interface Entry {
  body: Buffer
  gzip?: Buffer
  br?: Buffer
  headers: Record<string, string>
  sendHeaders: Partial<Record<'plain' | 'br' | 'gzip', Record<string, string | number>>>
  notModified: Partial<Record<'plain' | 'br' | 'gzip', Record<string, string>>>
  etag: string
  size: number
}

const STORED_HEADERS = ['content-type', 'etag', 'cache-control', 'link', 'x-total-count', 'vary']

declare module 'fastify' {
  interface FastifyRequest {
    cacheGeneration?: number
  }
  interface FastifyInstance {
    storeResponse: onSendHookHandler | null
  }
}

/**
 * The lookup runs as the first onRequest hook, before CORS, security headers and
 * authentication: a hit replays the headers those added when the entry was stored
 * (they are the same for every anonymous GET), so it costs next to nothing. Only
 * requests without an Authorization header are anonymous and may be served here.
 */
export default fp(async function responseCachePlugin (fastify) {
  const limit = fastify.config.responseCacheBytes
  fastify.decorate('storeResponse', null)
  if (limit <= 0) return

  const entries = new Map<string, Entry>()
  let bytes = 0
  let generation = 0
  // Entries are good until this time: the next scheduled publication (null: not yet known).
  let horizon: number | null = null

  function clear () {
    entries.clear()
    bytes = 0
    generation++
    horizon = null
  }
  fastify.onContentChange(clear)

  function fresh (at: number): boolean {
    if (horizon === null) horizon = nextScheduledAt(fastify.db) ?? Number.POSITIVE_INFINITY
    if (at < horizon) return true
    clear()
    return false
  }

  function cacheable (method: string, url: string, anonymous: boolean): boolean {
    return method === 'GET' && anonymous && !url.startsWith('/health')
  }

  function store (key: string, entry: Entry) {
    if (entry.size > limit / 4) return
    const old = entries.get(key)
    if (old) { bytes -= old.size; entries.delete(key) }
    while (bytes + entry.size > limit && entries.size) {
      const [oldestKey, oldest] = entries.entries().next().value as [string, Entry]
      entries.delete(oldestKey)
      bytes -= oldest.size
    }
    entries.set(key, entry)
    bytes += entry.size
  }

  function grow (entry: Entry, extra: number) {
    entry.size += extra
    bytes += extra
  }

  /** The headers for one form of the body, made once per entry and form. */
  function headersFor (entry: Entry, encoding: 'br' | 'gzip' | null, body: Buffer) {
    const key = encoding ?? 'plain'
    let headers = entry.sendHeaders[key]
    if (!headers) {
      headers = { ...entry.headers, 'content-length': body.length }
      if (encoding) {
        headers['content-encoding'] = encoding
        headers.etag = formEtag(entry.etag, encoding)
      }
      entry.sendHeaders[key] = headers
    }
    return headers
  }

  function answer (reply: FastifyReply, entry: Entry, accept: string | undefined, ifNoneMatch: string | undefined) {
    const res = reply.raw
    reply.hijack()
    const encoding = encodingFor(accept, entry.body.length)
    if (etagMatches(ifNoneMatch, entry.etag)) {
      // The 200's headers but those of its body, as a 304 computed afresh has them (CORS
      // among them: without it a browser app's revalidation fails), with the ETag the 200
      // would have carried: weak for the compressed form.
      const key = encoding ?? 'plain'
      const headers = entry.notModified[key] ??= notModifiedHeaders(entry, encoding)
      res.writeHead(304, headers)
      res.end()
      return
    }
    let body = entry.body
    if (encoding === 'br') {
      if (!entry.br) { entry.br = brotliCompressSync(entry.body, BROTLI_OPTIONS); grow(entry, entry.br.length) }
      body = entry.br
    } else if (encoding === 'gzip') {
      if (!entry.gzip) { entry.gzip = gzipSync(entry.body, GZIP_OPTIONS); grow(entry, entry.gzip.length) }
      body = entry.gzip
    }
    res.writeHead(200, headersFor(entry, encoding, body))
    res.end(body)
  }

  function notModifiedHeaders (entry: Entry, encoding: 'br' | 'gzip' | null): Record<string, string> {
    const { 'content-type': _type, link: _link, 'x-total-count': _total, ...headers } = entry.headers
    return { ...headers, etag: formEtag(entry.etag, encoding) }
  }

  fastify.decorateRequest('cacheGeneration', undefined)

  // A callback hook, not an async one: a hit should cost no promise.
  fastify.addHook('onRequest', function fromCache (request, reply, done) {
    if (!cacheable(request.method, request.url, request.headers.authorization === undefined)) return done()
    request.cacheGeneration = generation
    const entry = entries.get(request.url)
    if (!entry || fastify.isClosing() || !fresh(Date.now())) return done()
    // Least recently used goes first: move a hit to the end.
    entries.delete(request.url)
    entries.set(request.url, entry)
    answer(reply, entry, request.headers['accept-encoding'], request.headers['if-none-match'])
  })

  fastify.storeResponse = async function toCache (request, reply, payload) {
    if (request.cacheGeneration === undefined || request.cacheGeneration !== generation) return payload
    if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload
    const etag = reply.getHeader('etag')
    if (typeof etag !== 'string' || reply.getHeader('content-encoding')) return payload
    const headers: Record<string, string> = {}
    for (const name of STORED_HEADERS) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      // Security and CORS headers set by other plugins are part of the response too.
      if (value !== undefined && !(name in headers) && name !== 'content-length' && name !== 'date' && name !== 'connection') headers[name] = String(value)
    }
    const body = Buffer.isBuffer(payload) ? payload : utf8Bytes(payload)
    // Learn the expiry now, so that hits never need the database.
    if (!fresh(Date.now())) return payload
    store(request.url, { body, headers, sendHeaders: {}, notModified: {}, etag, size: body.length + 512 })
    return payload
  }
}, { name: 'response-cache', dependencies: ['changes', 'config', 'graceful-close'] })

/** Stores finished anonymous responses: registered after the ETag is set, before compression. */
export const responseCacheStore = fp(async function responseCacheStorePlugin (fastify) {
  if (fastify.storeResponse) fastify.addHook('onSend', fastify.storeResponse)
}, { name: 'response-cache-store', dependencies: ['response-cache', 'http-cache'] })
