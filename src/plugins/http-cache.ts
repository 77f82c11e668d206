/**
 * Conditional requests and Cache-Control (contract section 7). Every 200 GET gets an
 * ETag: one-resource routes set theirs from the resource (so If-Match can compare it on
 * writes); for everything else it is a hash of the response bytes. A matching
 * If-None-Match turns the response into a bodyless 304.
 */
import * as crypto from 'node:crypto'
import fp from 'fastify-plugin'
import { utf8Bytes } from '../lib/utf8.js'
import { encodingFor, formEtag } from './compress.js'

// One-shot hashing (crypto.hash, Node 20.12+) skips the Hash object a streaming
// createHash builds; earlier Node 20 releases get createHash.
const sha1 = typeof crypto.hash === 'function'
  ? (value: string | Buffer) => crypto.hash('sha1', value, 'base64url')
  : (value: string | Buffer) => crypto.createHash('sha1').update(value).digest('base64url')

/** Headers about the body, which a 304 leaves out (RFC 9110 15.4.5). */
export const BODY_HEADERS = ['content-type', 'content-length', 'link', 'x-total-count']

export function etagOf (value: string | Buffer): string {
  return `"${sha1(value)}"`
}

/** RFC 9110 weak comparison: a list of tags, `*`, W/ prefixes ignored. */
export function etagMatches (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare)
}

export default fp(async function httpCachePlugin (fastify) {
  // Every GET that answers 200 can answer 304: say so in each route's spec.
  fastify.addHook('onRoute', function documentNotModified (route) {
    const response = route.schema?.response as Record<string, unknown> | undefined
    if (route.method === 'GET' && response?.[200] && !response[304]) {
      response[304] = {
        description: 'Not Modified: `If-None-Match` matches the current ETag; no body',
        type: 'null',
        headers: {
          etag: { type: 'string', description: 'The ETag the 200 would have carried (weak for a compressed form)' },
          'cache-control': { type: 'string', description: 'As the 200 would have said' }
        }
      }
    }
  })

  const { cacheMaxAge, cacheStaleWhileRevalidate } = fastify.config
  const publicCache = `public, max-age=${cacheMaxAge}, stale-while-revalidate=${cacheStaleWhileRevalidate}`

  fastify.addHook('onSend', function conditional (request, reply, payload, done) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      // A write's answer carries the caller's view (an author's draft, a new key's token).
      if (request.caller && request.caller.role !== 'anonymous' && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store')
      return done(null, payload)
    }
    // Spelled as @fastify/compress looks for it (case-sensitively), or it adds it again.
    reply.header('vary', 'Authorization, accept-encoding')
    if (reply.statusCode !== 200) return done(null, payload)
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', request.caller.role === 'anonymous' ? publicCache : 'private, no-store')
    }
    // Serializers hand over a string built piece by piece; hashing it, measuring it for
    // Content-Length and writing it to the socket would each flatten and UTF-8 encode it
    // (~0.1 ms for a 20 KB page with any non-ASCII character). Encode it once here.
    const bytes = typeof payload === 'string' ? utf8Bytes(payload) : payload
    let etag = reply.getHeader('etag') as string | undefined
    if (etag === undefined && Buffer.isBuffer(bytes)) {
      etag = etagOf(bytes)
      reply.header('etag', etag)
    }
    if (etag !== undefined && etagMatches(request.headers['if-none-match'], etag)) {
      // The ETag the 200 would have carried: weak when it would have gone out compressed.
      if (Buffer.isBuffer(bytes)) reply.header('etag', formEtag(etag, encodingFor(request.headers['accept-encoding'], bytes.length)))
      reply.code(304)
      // What describes the body goes with it (the list's Link and X-Total-Count too).
      for (const name of BODY_HEADERS) reply.removeHeader(name)
      // No body at all: an empty one would be measured as `Content-Length: 0`, which a
      // 304 may send only if the 200 had no body either (RFC 9110, 8.6).
      return done(null, null)
    }
    done(null, bytes)
  })
}, { name: 'http-cache', dependencies: ['auth', 'config'] })
