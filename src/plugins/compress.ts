/**
 * gzip and brotli for responses over 1 KB when the client asks.
 * https://github.com/fastify/fastify-compress
 *
 * A compressed body is another representation, so it does not share the plain body's
 * strong ETag: it carries the same tag made weak (`W/"…"`), as nginx does. If-None-Match
 * compares weakly, so either form revalidates either; so does our If-Match
 * (http-cache.ts), so a tag read from a compressed response still works for a write.
 */
import fp from 'fastify-plugin'
import compress from '@fastify/compress'
import { Negotiator } from '@fastify/accept-negotiator'
import { constants } from 'node:zlib'
import type { onSendHookHandler } from 'fastify'

export const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 4 } }
export const GZIP_OPTIONS = { level: 6 }
export const COMPRESS_OVER = 1024

// As @fastify/compress reads Accept-Encoding: `*` and `x-gzip` ask for gzip.
const GZIP_ALIASES = /\*|x-gzip/g

/** The Accept-Encoding headers seen last, answered without parsing again (at most 100). */
function recentAnswers () {
  const answers = new Map<string, string>()
  return {
    get: (key: string) => answers.get(key),
    has: (key: string) => answers.has(key),
    set (key: string, value: string) {
      if (answers.size >= 100) answers.clear()
      answers.set(key, value)
      return this
    }
  }
}

// Brotli before gzip, q-values honoured (`br;q=0` refuses brotli), as @fastify/compress negotiates.
const encodings = new Negotiator<'br' | 'gzip'>({ supportedValues: ['br', 'gzip'], cache: recentAnswers() })

/** The encoding a JSON body of `size` bytes goes out in, for this Accept-Encoding. */
export function encodingFor (accept: string | undefined, size: number): 'br' | 'gzip' | null {
  if (!accept || size < COMPRESS_OVER) return null
  return encodings.negotiate(accept.toLowerCase().replace(GZIP_ALIASES, 'gzip'))
}

/** The ETag of a body's form: the tag itself for plain bytes, weak for a compressed form. */
export function formEtag (etag: string, encoding: string | null | undefined): string {
  return encoding && !etag.startsWith('W/') ? `W/${etag}` : etag
}

const weakenCompressedEtag: onSendHookHandler = function (_request, reply, payload, done) {
  const etag = reply.getHeader('etag')
  if (typeof etag === 'string') reply.header('etag', formEtag(etag, reply.getHeader('content-encoding') as string | undefined))
  done(null, payload)
}

export default fp(async function compressPlugin (fastify) {
  await fastify.register(compress, {
    global: true,
    threshold: COMPRESS_OVER,
    encodings: ['br', 'gzip'],
    brotliOptions: BROTLI_OPTIONS,
    zlibOptions: GZIP_OPTIONS,
    // Request bodies are JSON under 1 MiB; we do not accept compressed uploads.
    globalDecompression: false
  })
  // @fastify/compress adds its onSend to each route as the route is added; this onRoute
  // hook runs after its own, so the ETag is looked at once the body is compressed.
  fastify.addHook('onRoute', (route) => {
    const onSend = [...(Array.isArray(route.onSend) ? route.onSend : route.onSend ? [route.onSend] : []), weakenCompressedEtag]
    // A HEAD route Fastify makes from a GET drops the body in an onSend hook that, added
    // first, ran before compression: HEAD then told of the plain form (its length, a
    // strong ETag, no Content-Encoding) where GET sends a compressed one. Dropped last,
    // HEAD's headers are GET's.
    // It also measures the body it drops for Content-Length, which a 304 must not send.
    const dropBody = onSend.findIndex((hook) => hook.name === 'headRouteOnSendHandler')
    if (dropBody !== -1) {
      const [headRouteOnSendHandler] = onSend.splice(dropBody, 1)
      onSend.push(function dropHeadBody (request, reply, payload, done) {
        if (reply.statusCode === 304) return done(null, null)
        headRouteOnSendHandler!.call(this, request, reply, payload, done)
      })
    }
    route.onSend = onSend
  })
}, { name: 'compress' })
