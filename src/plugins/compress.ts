/**
 * gzip and brotli for responses over 1 KB when the client asks.
 * https://github.com/fastify/fastify-compress
 */
import fp from 'fastify-plugin'
import compress from '@fastify/compress'
import { constants } from 'node:zlib'

export const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 4 } }
export const GZIP_OPTIONS = { level: 6 }

export default fp(async function compressPlugin (fastify) {
  await fastify.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: BROTLI_OPTIONS,
    zlibOptions: GZIP_OPTIONS,
    // Request bodies are JSON under 1 MiB; we do not accept compressed uploads.
    globalDecompression: false
  })
}, { name: 'compress' })
