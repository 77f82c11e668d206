/**
 * JSON request bodies, read as Fastify's own parser reads them (secure-json-parse: a
 * `__proto__` or `constructor.prototype` key is a 400), but refusing what it would
 * otherwise repair without a word:
 * - bytes that are not UTF-8 (Node would store U+FFFD in their place): 400;
 * - a lone surrogate written as an escape (`"\ud800"`, which SQLite would store as
 *   U+FFFD): 400 naming the field;
 * - a `charset` other than UTF-8, or a `Content-Encoding` (a gzipped body would be read
 *   as garbage, a plain one labelled gzip accepted): 415;
 * - a transfer coding other than `chunked` (Node takes the chunks off and leaves the
 *   rest, `Transfer-Encoding: gzip, chunked`, to us): 501, as RFC 9112 (6.1) asks.
 * An empty body is no body (Fastify's parser refuses it even on a DELETE).
 */
import fp from 'fastify-plugin'
import { BadRequest, FieldError, NotImplemented, UnsupportedMediaType } from '../lib/errors.js'
const utf8 = new TextDecoder('utf-8', { fatal: true })
// With the u flag a surrogate pair is one code point: only a lone surrogate is \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i

/**
 * The JSON pointer of the first string (or key) in `value` that is not well-formed
 * UTF-16, or null. Iterative: a body may nest as deep as JSON.parse allows.
 */
function illFormedAt (value: unknown): string | null {
  const pending: Array<[unknown, string]> = [[value, '']]
  while (pending.length) {
    const [item, path] = pending.pop()!
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return path || '/'
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]
        const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
        if (LONE_SURROGATE.test(key)) return at
        pending.push([child, at])
      }
    }
  }
  return null
}

function isJson (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

export default fp(async function jsonBodyPlugin (fastify) {
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, function strictJson (request, body, done) {
    const transfer = request.headers['transfer-encoding']
    if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
      return done(new NotImplemented(`Transfer-Encoding: ${transfer.slice(0, 40)} is not supported; send the body as it is, or chunked`), undefined)
    }
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && !['', 'identity'].includes(encoding.trim().toLowerCase())) {
      return done(new UnsupportedMediaType(`Content-Encoding: ${encoding.slice(0, 40)} is not accepted; send the JSON body uncompressed`), undefined)
    }
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]
    // US-ASCII is a subset of UTF-8.
    if (charset !== undefined && !/^(utf-?8|us-ascii)$/i.test(charset)) {
      return done(new UnsupportedMediaType(`charset=${charset.slice(0, 40)} is not accepted; JSON bodies are UTF-8`), undefined)
    }
    let text: string
    try {
      text = utf8.decode(body as Buffer)
    } catch {
      return done(new BadRequest('The body is not valid UTF-8'), undefined)
    }
    // No body at all, though labelled JSON (clients that send the header on every call,
    // DELETE included): none. A route that needs a body then says so.
    if (text.length === 0) return done(null, undefined)
    parseJson(request, text, (err, value) => {
      // secure-json-parse refuses these keys (prototype poisoning), and Fastify then says
      // only that the body is not valid JSON: if it is, say what was refused.
      if (err) return done(isJson(text) ? new BadRequest('The body holds a `__proto__` or `constructor.prototype` key, which is refused') : err, undefined)
      const at = illFormedAt(value)
      if (at !== null) return done(new FieldError(at, 'is not valid Unicode text (it holds a lone surrogate)'), undefined)
      done(null, value)
    })
  })
}, { name: 'json-body' })
