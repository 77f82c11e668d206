/**
 * The ceiling: a bare Fastify server that answers with bytes taken from the real server
 * (the latest-20 list and one article, with their content-type), so a scenario's ratio to
 * it shows what Broadsheet's own work costs on top of Fastify and HTTP on this machine.
 * Its logger is at the same level as the benched server's, so logging is not what differs.
 *
 *   PORT=… node --import tsx bench/ceiling.ts FIXTURE.json
 *
 * FIXTURE.json: `{ latest, article }`, each `{ contentType, etag, body }` (body base64).
 * `/not-modified` answers a bare 304 when If-None-Match is the latest list's ETag.
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

export interface CeilingResponse { contentType: string, etag: string, body: string }
export interface CeilingFixture { latest: CeilingResponse, article: CeilingResponse }

const fixture = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CeilingFixture
const latest = { ...fixture.latest, bytes: Buffer.from(fixture.latest.body, 'base64') }
const article = { ...fixture.article, bytes: Buffer.from(fixture.article.body, 'base64') }

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })

app.get('/health/ready', async () => ({ status: 'ready' }))

app.get('/latest', (_request, reply) => {
  reply.header('content-type', latest.contentType).send(latest.bytes)
})

app.get('/article', (_request, reply) => {
  reply.header('content-type', article.contentType).send(article.bytes)
})

app.get('/not-modified', (request, reply) => {
  if (request.headers['if-none-match'] === latest.etag) return reply.code(304).send()
  reply.header('content-type', latest.contentType).header('etag', latest.etag).send(latest.bytes)
})

// The parent holds our stdin: when it ends, the parent is gone and so should we be.
process.stdin.on('end', () => process.exit(0)).resume()
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
