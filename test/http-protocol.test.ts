/**
 * HTTP at the edges, over TCP (inject hides framing): what Node's server would answer by
 * itself is a problem document, links never name an origin the client chose, HEAD tells
 * what GET would send, and a slow client is timed out.
 */
import t, { type Test } from 'tap'
import { connect, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'

interface Answer { status: number, head: string, headers: Record<string, string>, body: string }

/** Sends raw bytes and reads every answer until the server closes or `ms` pass. */
function exchange (port: number, request: string | Buffer, ms = 3000): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let text = ''
    const finish = () => { socket.destroy(); resolve(parse(text)) }
    const timer = setTimeout(finish, ms)
    socket.on('data', (chunk) => { text += chunk.toString('latin1') })
    socket.on('close', () => { clearTimeout(timer); resolve(parse(text)) })
    socket.on('error', reject)
  })
}

/** Splits a stream of answers with Content-Length bodies (or none). */
function parse (text: string): Answer[] {
  const answers: Answer[] = []
  while (text.length) {
    const end = text.indexOf('\r\n\r\n')
    if (end === -1) break
    const head = text.slice(0, end)
    const headers: Record<string, string> = {}
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    answers.push({ status: Number(head.split(' ')[1]), head, headers, body: text.slice(end + 4, end + 4 + length) })
    text = text.slice(end + 4 + length)
  }
  return answers
}

async function listening (t: Test, overrides = {}): Promise<{ app: FastifyInstance, port: number }> {
  const app = await build(t, overrides)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, port: (app.server.address() as AddressInfo).port }
}

function isProblem (t: Test, answer: Answer | undefined, status: number, name: string) {
  t.equal(answer?.status, status, `${name}: ${status}`)
  t.match(answer?.headers['content-type'], /^application\/problem\+json/, `${name}: a problem document`)
  t.match(JSON.parse(answer?.body || 'null'), { status, type: /^urn:broadsheet:problem:/, detail: String }, name)
  t.ok(answer?.headers.date, `${name}: dated`)
  t.match(answer?.headers['cache-control'], /^(private, )?no-store$/, `${name}: never stored`)
}

t.test('what Node would answer by itself, or not at all, is a problem document', async (t) => {
  const { app, port } = await listening(t)
  const editor = tokenFor(app, 'editor')
  const tags = async () => (await call(app, { url: '/v1/tags', token: editor })).json.meta.total
  const before = await tags()

  isProblem(t, (await exchange(port, 'GET /v1/tags HTTP/1.1\r\n\r\n'))[0], 400, 'no Host')
  isProblem(t, (await exchange(port, 'GET /v1/tags HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'))[0], 400, 'two Host lines')
  isProblem(t, (await exchange(port, 'GET /v1/tags HTTP/1.1\r\nHost: a b/c<d>\r\n\r\n'))[0], 400, 'an invalid Host')
  t.equal((await exchange(port, 'GET /v1/tags HTTP/1.0\r\n\r\n'))[0]?.status, 200, 'HTTP/1.0 needs no Host')
  t.equal((await exchange(port, 'GET /v1/tags HTTP/1.1\r\nHost: [::1]:3000\r\nConnection: close\r\n\r\n'))[0]?.status, 200, 'an IPv6 Host')
  isProblem(t, (await exchange(port, 'GET /v1/tags HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n'))[0], 417, 'Expect other than 100-continue')
  const proxy = (await exchange(port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'))[0]
  isProblem(t, proxy, 405, 'CONNECT')
  t.match(proxy?.headers.allow, /GET/)
  isProblem(t, (await exchange(port, `GET /v1/articles/${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`))[0], 414, 'a URL over 16 KB')
  isProblem(t, (await exchange(port, `GET /v1/tags HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`))[0], 431, 'a header over 16 KB')
  isProblem(t, (await exchange(port, `GET /v1/articles/${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(9_000)}\r\n\r\n`))[0], 431, 'a 9 KB URL with 9 KB of headers')

  const body = '{"name":"Gzip labelled"}'
  const chunked = `POST /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
  isProblem(t, (await exchange(port, chunked))[0], 501, 'a transfer coding other than chunked')

  // A write, then bytes that are not HTTP: the write's answer comes first, then the 400.
  const pipelined = `POST /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"name":"pipelined"}XYZ garbage\r\n\r\n`
  const [written, refused] = await exchange(port, pipelined)
  t.equal(written?.status, 201, 'the write that was made is answered')
  isProblem(t, refused, 400, 'the bytes after it')
  t.equal(await tags(), before + 1, 'only the whole request wrote anything')

  const connect = `POST /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"name":"connected"}CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`
  const [madeFirst, proxyRefused] = await exchange(port, connect)
  t.equal(madeFirst?.status, 201, 'a write before a CONNECT is answered first')
  isProblem(t, proxyRefused, 405, 'then the CONNECT')

  // A 415 refuses a body before reading it: the connection closes, no 408 follows later.
  const unread = await exchange(port, 'POST /v1/tags HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\nabc', 1500)
  t.same(unread.map((answer) => answer.status), [415], 'one answer')
  t.equal(unread[0]?.headers.connection, 'close')

  // Node reads 2,000 header lines by default and drops the rest without a word.
  const tag = (await call(app, { url: '/v1/tags?sort=name', token: editor })).json.data[0]
  const change = '{"description":"x"}'
  const filler = Array.from({ length: 2100 }, () => 'a:1').join('\r\n')
  const patch = `PATCH /v1/tags/${tag.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: ${change.length}\r\n${filler}\r\nIf-Match: "nope"\r\n\r\n${change}`
  const [late] = await exchange(port, patch)
  t.equal(late?.status, 412, `an If-Match after 2,100 other headers still counts: ${late?.body}`)
})

t.test('a client that stops sending mid-request gets a 408 and its connection closed', async (t) => {
  const { port } = await listening(t, { requestTimeoutMs: 300 })
  // A URL over 16 KB read in pieces is told as a 431 (Node hands over the last piece only).
  const socket = connect(port, '127.0.0.1')
  const pieces = `GET /v1/articles/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`
  let heard = ''
  socket.on('data', (chunk) => { heard += chunk })
  const closed = new Promise((resolve) => socket.on('close', resolve))
  for (let at = 0; at < pieces.length && !socket.destroyed; at += 4096) {
    socket.write(pieces.slice(at, at + 4096))
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await closed
  t.match(heard, /^HTTP\/1.1 (414|431) /, 'a long URL in pieces: 414 or 431, a problem either way')

  const started = Date.now()
  const [answer] = await exchange(port, 'POST /v1/articles/1/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a', 5000)
  isProblem(t, answer, 408, 'half a body')
  t.ok(Date.now() - started < 3000, `within the timeout and a check (${Date.now() - started} ms)`)
})

t.test('links, Link and Location are relative: an absolute-form target or a ? in the query changes nothing', async (t) => {
  const { app, port } = await listening(t)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Link Author')
  for (let i = 0; i < 3; i++) await postArticle(app, editor, { title: `Why harbour ${i}`, authorId: author.id, status: 'published' })

  const [list] = await exchange(port, 'GET http://evil.example/v1/articles?perPage=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  t.equal(list?.status, 200)
  t.notMatch(list?.headers.link, /evil/, 'Link')
  t.same(JSON.parse(list!.body).links, { self: '/v1/articles?perPage=1', first: '/v1/articles?perPage=1', prev: null, next: '/v1/articles?perPage=1&page=2', last: '/v1/articles?perPage=1&page=3' })
  const tagBody = '{"name":"Absolute"}'
  const [created] = await exchange(port, `POST http://evil.example/v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: ${tagBody.length}\r\nConnection: close\r\n\r\n${tagBody}`)
  t.match(created?.headers.location, /^\/v1\/tags\/\d+$/, 'Location')

  const asked = await call(app, { url: '/v1/articles?q=harbour?&perPage=1&fields=title' })
  t.equal(asked.json.meta.total, 3)
  t.same(asked.json.links.next, '/v1/articles?q=harbour%3F&perPage=1&fields=title&page=2', 'the whole query, its ? included')
  const next = await call(app, { url: asked.json.links.next })
  t.same([next.json.meta.page, next.json.meta.perPage, next.json.data.length], [2, 1, 1], 'and following it gives page 2')
})

t.test('HEAD sends the headers GET would, compressed forms and 304s included', async (t) => {
  const { app, port } = await listening(t, { responseCacheBytes: 0 })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Head Author')
  const article = await postArticle(app, editor, { title: 'Head and get', body: 'Words enough to compress. '.repeat(200), authorId: author.id, status: 'published' })
  const same = (answer: Answer | undefined) => {
    // How the body is framed is decided while it is made: HEAD may leave it out.
    const { date: _date, connection: _c, 'keep-alive': _k, 'content-length': _l, 'transfer-encoding': _te, ...rest } = answer?.headers ?? {}
    return rest
  }
  for (const url of ['/v1/articles', `/v1/articles/${article.slug}`]) {
    for (const encoding of ['identity', 'gzip', 'br']) {
      const request = (method: string, extra = '') => `${method} ${url} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${encoding}\r\n${extra}Connection: close\r\n\r\n`
      const [get] = await exchange(port, request('GET'))
      const [head] = await exchange(port, request('HEAD'))
      t.same(same(head), same(get), `${url}, ${encoding}: HEAD's headers are GET's`)
      if (encoding === 'identity') t.equal(head?.headers['content-length'], get?.headers['content-length'], 'with its length')
      t.equal(head?.body, '')
      t.equal(get?.headers.vary, 'Authorization, accept-encoding', 'Vary names each header once')
      for (const method of ['GET', 'HEAD']) {
        const [notModified] = await exchange(port, request(method, `If-None-Match: ${get?.headers.etag}\r\n`))
        t.equal(notModified?.status, 304, `${method} ${encoding} 304`)
        t.notOk('content-length' in notModified!.headers, 'a 304 sends no Content-Length (the 200 had a body)')
      }
    }
  }
  const [options] = await exchange(port, 'OPTIONS /v1/articles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  t.equal(options?.status, 204, 'a plain OPTIONS is answered, not a text/plain 400')
})

t.test('answers keep the connection open: reads, refusals and writes, pipelined on one connection', async (t) => {
  const { app, port } = await listening(t, { responseCacheBytes: 0 })
  const editor = tokenFor(app, 'editor')
  const article = await postArticle(app, editor, { title: 'Kept alive', authorId: insertAuthor(app, 'Alive Author').id, status: 'published' })
  const body = '{"name":"Alive"}'
  const doomed = (await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Doomed' } })).json.data.id
  const requests = [
    'GET /v1/articles HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET /v1/articles/${article.slug} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GET /v1/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n',
    `POST /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    `DELETE /v1/tags/${doomed} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Length: 0\r\n\r\n`,
    'GET /v1/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
  ]
  const answers = await exchange(port, requests.join(''))
  t.same(answers.map((answer) => answer.status), [200, 200, 404, 401, 201, 204, 200], 'every request answered, in order')
  t.same(answers.slice(0, -1).map((answer) => answer.headers.connection), Array(6).fill('keep-alive'), 'none of them closed the connection')
})

t.test('a method a path does not take is a 405 naming those it does, not a 404', async (t) => {
  const app = await build(t)
  for (const [method, url, allow] of [
    ['PUT', '/v1/articles/5', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
    ['DELETE', '/v1/tags', 'GET, HEAD, POST, OPTIONS'],
    ['POST', '/v1/authors/some-slug?x=1', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
    ['POST', '/health', 'GET, HEAD, OPTIONS']
  ] as const) {
    const res = await app.inject({ method, url })
    t.same([res.statusCode, res.headers.allow, res.json().type], [405, allow, 'urn:broadsheet:problem:method-not-allowed'], `${method} ${url}`)
  }
  const missing = await app.inject({ method: 'PUT', url: '/v1/nothing-here' })
  t.same([missing.statusCode, missing.headers.allow], [404, undefined], 'a path nothing takes is still a 404')
  const refusedPreflight = await app.inject({ method: 'OPTIONS', url: '/v1/articles/5', headers: { origin: 'https://x.example', 'access-control-request-method': 'PATCH' } })
  t.same([refusedPreflight.statusCode, refusedPreflight.headers['access-control-allow-origin']], [404, undefined], 'a write preflight from an origin not allowed: refused, not a 405')
  const long = await app.inject({ method: 'PUT', url: `/v1/articles/${'a'.repeat(300)}` })
  t.equal(long.headers.allow, undefined, 'no Allow guessed for a segment over 200 characters')
})

t.test('If-None-Match on a write: a 412 and no change while the resource matches (`*` matches any)', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const tag = (await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Guarded' } })).json.data
  const article = await postArticle(app, editor, { title: 'Guarded story', authorId: insertAuthor(app, 'Guard Author').id, status: 'published' })
  for (const url of [`/v1/tags/${tag.id}`, `/v1/articles/${article.id}`]) {
    const etag = (await call(app, { url, token: editor })).headers.etag as string
    for (const header of ['*', etag, `"other", W/${etag}`]) {
      const res = await call(app, { method: 'PATCH', url, token: editor, headers: { 'if-none-match': header }, payload: url.includes('tags') ? { description: 'changed' } : { subtitle: 'changed' } })
      t.same([res.status, res.json.type], [412, 'urn:broadsheet:problem:precondition-failed'], `PATCH ${url} If-None-Match: ${header}`)
    }
    t.equal((await call(app, { url, token: editor })).headers.etag, etag, 'nothing changed')
    const deleted = await call(app, { method: 'DELETE', url, token: editor, headers: { 'if-none-match': '*' } })
    t.equal(deleted.status, 412, `DELETE ${url} If-None-Match: *`)
    const changed = await call(app, { method: 'PATCH', url, token: editor, headers: { 'if-none-match': '"something-else"' }, payload: url.includes('tags') ? { description: 'changed' } : { subtitle: 'changed' } })
    t.equal(changed.status, 200, 'a tag that does not match lets the write through')
  }
  // An author key gets its 403 for another author's article before any precondition.
  const stranger = tokenFor(app, 'author', insertAuthor(app, 'Stranger').id)
  for (const method of ['PATCH', 'DELETE'] as const) {
    const refused = await call(app, { method, url: `/v1/articles/${article.id}`, token: stranger, headers: { 'if-none-match': '*' }, payload: method === 'PATCH' ? { subtitle: 'mine now' } : undefined })
    t.equal(refused.status, 403, `${method} of another author's article with If-None-Match: * is a 403`)
  }
  const spec = JSON.parse((await app.inject('/openapi.json')).body)
  t.ok(spec.paths['/v1/tags/{key}'].patch.parameters.some((p: { name: string }) => p.name === 'if-none-match'), 'documented beside If-Match')
})
