import t from 'tap'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { connect, type AddressInfo } from 'node:net'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { recordQueries } from './query-log.js'
import { SpecChecker } from './spec.js'
import { BODY_HEADERS } from '../src/plugins/http-cache.js'

t.test('ETags, 304s and Cache-Control', async (t) => {
  const app = await build(t, { cacheMaxAge: 30, cacheStaleWhileRevalidate: 90 })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Etag Author')
  const a = await postArticle(app, editor, { title: 'First', authorId: author.id, status: 'published' })
  const list = await call(app, { url: '/v1/articles' })
  t.ok(list.headers.etag)
  t.equal(list.headers['cache-control'], 'public, max-age=30, stale-while-revalidate=90')
  t.match(list.headers.vary, /Authorization/)
  t.match(list.headers.vary, /Accept-Encoding/i)
  const notModified = await call(app, { url: '/v1/articles', headers: { 'if-none-match': list.headers.etag as string } })
  t.equal(notModified.status, 304)
  t.equal(notModified.res.body, '')
  t.equal((await call(app, { url: '/v1/articles', headers: { 'if-none-match': '"other", W/' + list.headers.etag } })).status, 304, 'weak comparison and lists of tags')
  t.equal((await call(app, { url: '/v1/articles', headers: { 'if-none-match': '"other"' } })).status, 200)

  // Membership changes: a new article, then a scheduled one going live, change the list's ETag.
  await postArticle(app, editor, { title: 'Second', authorId: author.id, status: 'published' })
  const afterWrite = await call(app, { url: '/v1/articles', headers: { 'if-none-match': list.headers.etag as string } })
  t.equal(afterWrite.status, 200)
  t.equal(afterWrite.json.data.length, 2)
  await postArticle(app, editor, { title: 'Third', authorId: author.id, status: 'scheduled', publishedAt: new Date(Date.now() + 300).toISOString() })
  const beforeLive = await call(app, { url: '/v1/articles' })
  t.equal(beforeLive.json.data.length, 2)
  await new Promise((resolve) => setTimeout(resolve, 350))
  const live = await call(app, { url: '/v1/articles', headers: { 'if-none-match': beforeLive.headers.etag as string } })
  t.equal(live.status, 200, 'the list changed when the scheduled article went live')
  t.equal(live.json.data.length, 3)

  // An item's change changes its ETag and the list's.
  const one = await call(app, { url: `/v1/articles/${a.id}` })
  await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: { subtitle: 'New' } })
  const changed = await call(app, { url: `/v1/articles/${a.id}`, headers: { 'if-none-match': one.headers.etag as string } })
  t.equal(changed.status, 200)
  t.equal(changed.json.data.subtitle, 'New')

  const authed = await call(app, { url: '/v1/articles', token: editor })
  t.equal(authed.headers['cache-control'], 'private, no-store')
  // Writes with a key too: the answer is the caller's view.
  const patched = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: { subtitle: 'Newer' } })
  t.equal(patched.headers['cache-control'], 'private, no-store')
  const posted = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Cache Header' } })
  t.equal(posted.headers['cache-control'], 'private, no-store')
})

t.test('the response cache answers repeated anonymous reads from memory and never serves stale content', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Cache Author')
  const log = recordQueries(app)
  const a = await postArticle(app, editor, { title: 'Cached', authorId: author.id, status: 'published', body: 'x '.repeat(2000) })
  const first = await log.during(() => app.inject('/v1/articles'))
  t.ok(first.length > 0, 'the first read queries the database')
  const second = await log.during(() => app.inject('/v1/articles'))
  t.equal(second.length, 0, 'the repeat does not touch SQLite')
  await app.inject(`/v1/articles/${a.slug}`)
  t.equal((await log.during(() => app.inject(`/v1/articles/${a.slug}`))).length, 0)
  const withToken = await log.during(() => app.inject({ url: '/v1/articles', headers: { authorization: `Bearer ${editor}` } }))
  t.ok(withToken.length > 0, 'authenticated reads are never served from the cache')

  // Interleave writes and reads: every read after a write returns sees the write.
  for (let i = 0; i < 15; i++) {
    const op = i % 3
    if (op === 0) await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: { title: `Title ${i}` } })
    if (op === 1) await postArticle(app, editor, { title: `Extra ${i}`, authorId: author.id, status: 'published' })
    if (op === 2) await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, token: editor, payload: { status: i % 2 ? 'draft' : 'published' } })
    const list = await call(app, { url: '/v1/articles?perPage=100' })
    const truth = await call(app, { url: '/v1/articles?perPage=100', token: editor })
    t.same(list.json.data.map((x: any) => [x.id, x.title]), truth.json.data.map((x: any) => [x.id, x.title]), `after write ${i}`)
    const one = await call(app, { url: `/v1/articles/${a.id}` })
    const visible = truth.json.data.find((x: any) => x.id === a.id)
    t.equal(one.status, visible ? 200 : 404)
    if (visible) t.equal(one.json.data.title, visible.title)
  }

  // Compression from the cache.
  const plain = await app.inject('/v1/articles?perPage=100')
  const gz = await app.inject({ url: '/v1/articles?perPage=100', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gz.headers['content-encoding'], 'gzip')
  t.equal(gunzipSync(gz.rawPayload).toString(), plain.body)
  const br = await app.inject({ url: '/v1/articles?perPage=100', headers: { 'accept-encoding': 'br, gzip' } })
  t.equal(br.headers['content-encoding'], 'br')
  t.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body)
  const cached304 = await app.inject({ url: '/v1/articles?perPage=100', headers: { 'if-none-match': plain.headers.etag as string } })
  t.equal(cached304.statusCode, 304)
  // q-values as @fastify/compress reads them: q=0 refuses an encoding.
  const cachedEncoding = async (accept: string) => (await app.inject({ url: '/v1/articles?perPage=100', headers: { 'accept-encoding': accept } })).headers['content-encoding'] ?? 'identity'
  t.equal(await cachedEncoding('br;q=0'), 'identity')
  t.equal(await cachedEncoding('gzip;q=0'), 'identity')
  t.equal(await cachedEncoding('br;q=0, gzip;q=0'), 'identity')
  t.equal(await cachedEncoding('gzip, br;q=0'), 'gzip')
  t.equal(await cachedEncoding('gzip;q=0.5, br'), 'br')
  t.equal(await cachedEncoding('x-gzip'), 'gzip')
  t.equal(await cachedEncoding('identity'), 'identity')
})

t.test('the response cache stays within its memory bound, dropping the least recently used', async (t) => {
  // Each response below is about 30 KB (one article of 3,000 words, body and HTML): a 200 KB cache holds six.
  const app = await build(t, { responseCacheBytes: 200_000 })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Bound Author')
  for (let i = 0; i < 12; i++) await postArticle(app, editor, { title: `Big ${i}`, authorId: author.id, status: 'published', body: 'word '.repeat(3000) })
  const log = recordQueries(app)
  const page = (n: number) => `/v1/articles?perPage=1&fields=body,bodyHtml&page=${n}`
  const queries = async (url: string) => (await log.during(() => app.inject(url))).length

  await app.inject(page(1))
  await app.inject(page(2))
  t.equal(await queries(page(1)), 0, 'a stored response is served from memory')
  // Fill the cache well past its bound with other responses; page 1 stays in use.
  for (let n = 3; n <= 12; n++) {
    await app.inject(page(n))
    await app.inject(page(1))
  }
  t.equal(await queries(page(1)), 0, 'the entry in use is kept')
  t.ok(await queries(page(2)) > 0, 'the least recently used entry was dropped to stay within the bound')
})

t.test('compression, CORS and security headers on uncached responses', async (t) => {
  const app = await build(t, { responseCacheBytes: 0, corsWriteOrigins: ['https://admin.example'] })
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Header Author')
  await postArticle(app, editor, { title: 'Long', authorId: author.id, status: 'published', body: 'text '.repeat(1000) })
  const gz = await app.inject({ url: '/v1/articles?fields=body', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gz.headers['content-encoding'], 'gzip')
  const small = await app.inject({ url: '/health', headers: { 'accept-encoding': 'gzip' } })
  t.notOk(small.headers['content-encoding'], 'small responses are not compressed')
  const read = await app.inject({ url: '/v1/articles', headers: { origin: 'https://any.example' } })
  t.equal(read.headers['access-control-allow-origin'], '*')
  t.match(read.headers['access-control-expose-headers'], /X-Total-Count/)
  const preflightWrite = await app.inject({ method: 'OPTIONS', url: '/v1/articles', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
  t.notOk(preflightWrite.headers['access-control-allow-origin'])
  const allowed = await app.inject({ method: 'OPTIONS', url: '/v1/articles', headers: { origin: 'https://admin.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://admin.example')
  t.equal(read.headers['x-content-type-options'], 'nosniff')
  t.match(read.headers['content-security-policy'], /default-src 'none'/)
  const docs = await app.inject('/docs')
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-security-policy'], /script-src/, 'the docs get a CSP that lets them run')
})

t.test('what the HTTP parser refuses is answered with a problem document, and the connection closed', async (t) => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as AddressInfo).port
  const raw = (request: string) => new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
  const cases: Array<[string, string, number]> = [
    ['two Content-Lengths', 'POST /v1/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400],
    ['a bad chunk size', 'POST /v1/tags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400],
    ['a space in the path', 'GET /v1/ta gs HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['HTTP/2 on the plain port', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    ['headers over 16 KB', `GET /v1/tags HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431]
  ]
  for (const [name, request, status] of cases) {
    const answer = await raw(request)
    const [head, body] = answer.split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), `${name}: ${status}`)
    t.match(head, /content-type: application\/problem\+json/i, `${name}: a problem document`)
    t.match(JSON.parse(body), { status, type: /^urn:broadsheet:problem:/, title: String, detail: String }, name)
  }

  // Node's parse error carries the raw request; at LOG_LEVEL=trace none of it is logged.
  const logged: unknown[] = []
  const trace = app.log.trace
  app.log.trace = ((...args: unknown[]) => { logged.push(args) }) as typeof trace
  t.teardown(() => { app.log.trace = trace })
  const token = tokenFor(app, 'editor')
  await raw(`POST /v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX Bad: 1\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{"title":"A secret draft"}`)
  await raw(`GET /v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.equal(logged.length, 2, 'both refusals were logged')
  t.notMatch(JSON.stringify(logged, (_key, value) => value?.type === 'Buffer' ? Buffer.from(value.data).toString() : value), /Bearer|bs_|secret draft|aaaa/, 'without the request\'s bytes')
  t.match(logged, [[{ code: 'HPE_INVALID_HEADER_TOKEN' }, 'client error'], [{ code: 'HPE_HEADER_OVERFLOW' }, 'client error']])
})

t.test('JSON bodies: bytes that are not UTF-8, lone surrogates, other charsets and content codings are refused, not repaired', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const post = (payload: string | Buffer, headers: Record<string, string> = {}) => app.inject({
    method: 'POST', url: '/v1/tags', payload, headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json', ...headers }
  })
  const before = (await call(app, { url: '/v1/tags', token: editor })).json.meta.total

  const notUtf8 = await post(Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]))
  t.match([notUtf8.statusCode, notUtf8.headers['content-type'], notUtf8.json().detail], [400, /^application\/problem\+json/, /not valid UTF-8/])
  const lone = await post('{"name":"a\\ud800b"}')
  t.same([lone.statusCode, lone.json().errors], [400, [{ path: '/name', message: 'is not valid Unicode text (it holds a lone surrogate)' }]])
  const reversed = await post('{"name":"ok","description":"x\\udfff\\ud800"}')
  t.same(reversed.json().errors?.[0]?.path, '/description', 'a reversed pair is two lone surrogates')
  const utf16 = await post('{"name":"Sixteen"}', { 'content-type': 'application/json; charset=utf-16' })
  t.match([utf16.statusCode, utf16.json().detail], [415, /charset=utf-16/])
  const labelled = await post('{"name":"Labelled"}', { 'content-encoding': 'gzip' })
  t.match([labelled.statusCode, labelled.json().detail], [415, /Content-Encoding/])
  const poisoned = await post('{"name":"Proto","__proto__":{"admin":true}}')
  t.match([poisoned.statusCode, poisoned.json().detail], [400, /__proto__/], 'a prototype key is named, not called invalid JSON')
  t.match((await post('{"name":"Proto",')).json().detail, /not valid JSON/)
  t.equal((await call(app, { url: '/v1/tags', token: editor })).json.meta.total, before, 'none of them stored anything')
  t.equal((await call(app, { url: '/v1/tags', headers: { authorization: `Bearer   ${editor}` } })).status, 200, 'spaces after Bearer: one or more (RFC 9110, 11.4)')

  // What stays accepted: a surrogate pair (an emoji), charset=utf-8 in any spelling, identity, a BOM.
  t.equal((await post('{"name":"Unicorn \\ud83e\\udd84"}')).statusCode, 201)
  t.equal((await post('{"name":"Utf Spelled"}', { 'content-type': 'application/json; charset="UTF-8"' })).statusCode, 201)
  t.equal((await post('{"name":"Identity"}', { 'content-encoding': 'identity' })).statusCode, 201)
  t.equal((await post('\ufeff{"name":"With Bom"}')).statusCode, 201)
  t.equal((await post('{"name":"Proto","__proto__":{"x":1}}')).statusCode, 400, 'prototype poisoning is still refused')
  t.equal((await post('')).statusCode, 400, 'an empty body is still a 400')
})

t.test('a compressed body carries its tag weak; either form revalidates, and a weak tag still works in If-Match', async (t) => {
  for (const responseCacheBytes of [0, 10_000_000]) {
    const app = await build(t, { responseCacheBytes })
    const editor = tokenFor(app, 'editor')
    const author = insertAuthor(app, 'Weak Author')
    const a = await postArticle(app, editor, { title: 'Long enough to compress', authorId: author.id, status: 'published', body: 'words '.repeat(500) })
    const url = `/v1/articles/${a.id}`
    const get = (headers: Record<string, string>) => app.inject({ url, headers })
    const plain = await get({})
    const strong = plain.headers.etag as string
    t.match(strong, /^"[^"]+"$/, `cache ${responseCacheBytes}: the plain body's tag is strong`)
    await get({}) // a second read: served from the cache when it is on
    for (const encoding of ['gzip', 'br']) {
      const compressed = await get({ 'accept-encoding': encoding })
      t.same([compressed.headers['content-encoding'], compressed.headers.etag], [encoding, `W/${strong}`], `${encoding}: the same tag, weak`)
      const revalidated = await get({ 'accept-encoding': encoding, 'if-none-match': strong })
      t.same([revalidated.statusCode, revalidated.headers.etag], [304, `W/${strong}`], `${encoding}: a 304 names the form it stands for`)
    }
    const plain304 = await get({ 'if-none-match': `W/${strong}` })
    t.same([plain304.statusCode, plain304.headers.etag], [304, strong], 'the weak tag revalidates the plain form')
    const small = await app.inject({ url: '/health', headers: { 'accept-encoding': 'gzip' } })
    t.notOk(String(small.headers.etag).startsWith('W/'), 'a body too small to compress keeps a strong tag')
    const patched = await call(app, { method: 'PATCH', url, token: editor, headers: { 'if-match': `W/${strong}` }, payload: { subtitle: 'Weakly matched' } })
    t.equal(patched.status, 200, 'If-Match with the weak tag from a compressed read')
  }
})

t.test('a 304 carries the headers of its 200 but Content-Type, from the response cache as when computed (a browser needs its CORS headers)', async (t) => {
  const seen: Record<string, string[]> = {}
  for (const responseCacheBytes of [0, 10_000_000]) {
    const app = await build(t, { responseCacheBytes })
    const editor = tokenFor(app, 'editor')
    const author = insertAuthor(app, 'Cors Author')
    await postArticle(app, editor, { title: 'Revalidated from a browser', authorId: author.id, status: 'published' })
    const headers = { origin: 'https://reader.example' }
    for (const url of ['/v1/articles', '/v1/articles?perPage=1', `/v1/authors/${author.id}`]) {
      const full = await app.inject({ url, headers })
      await app.inject({ url, headers }) // a second read: served from the cache when it is on
      const revalidated = await app.inject({ url, headers: { ...headers, 'if-none-match': full.headers.etag as string } })
      t.equal(revalidated.statusCode, 304, url)
      t.equal(revalidated.headers['access-control-allow-origin'], '*', `cache ${responseCacheBytes}: ${url} allows the origin`)
      const names = (h: Record<string, unknown>) => Object.keys(h).filter((name) => !['date', 'connection', 'keep-alive', ...BODY_HEADERS].includes(name)).sort()
      t.same(names(revalidated.headers), names(full.headers), `cache ${responseCacheBytes}: ${url} has the 200's headers`)
      t.notOk(revalidated.headers['content-type'] ?? revalidated.headers.link ?? revalidated.headers['x-total-count'], 'nothing about the body')
      t.equal(revalidated.body, '')
      seen[url] = [...(seen[url] ?? []), names(revalidated.headers).join(' ')]
    }
  }
  for (const [url, [computed, cached]] of Object.entries(seen)) t.equal(cached, computed, `${url}: the cached 304 is the computed one`)
})

t.test('problems are never stored; a bodiless write labelled JSON is accepted; clients may read the rate-limit headers', async (t) => {
  const app = await build(t)
  const editor = tokenFor(app, 'editor')
  const missing = await app.inject({ url: '/v1/articles/no-such-article' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['cache-control'], 'no-store', 'an anonymous 404 (a shared cache would keep an article hidden once published)')
  const refused = await call(app, { url: '/v1/keys', token: editor })
  t.equal(refused.status, 403)
  t.equal(refused.headers['cache-control'], 'private, no-store')
  t.equal(refused.json.detail, 'An editor key may not do this')
  const tag = await call(app, { method: 'POST', url: '/v1/tags', token: editor, payload: { name: 'Empty bodied' } })
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/tags/${tag.json.data.id}`, headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' } })
  t.equal(deleted.statusCode, 204, 'DELETE with Content-Type: application/json and no body')
  const empty = await call(app, { method: 'POST', url: '/v1/tags', token: editor, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.status, 400, 'a route that needs a body says so')
  t.equal(empty.headers['content-type'], 'application/problem+json; charset=utf-8')
  const exposed = String((await app.inject({ url: '/v1/articles', headers: { origin: 'https://reader.example' } })).headers['access-control-expose-headers'])
  for (const name of ['ETag', 'Link', 'X-Total-Count', 'Retry-After', 'X-RateLimit-Remaining']) t.ok(exposed.includes(name), name)
})

t.test('path ids and query integers are decimal digits: other spellings of a number are a 400, not another id', async (t) => {
  const app = await build(t)
  const admin = tokenFor(app, 'admin')
  const spec = JSON.parse((await app.inject('/openapi.json')).body)
  t.same(spec.paths['/v1/keys/{id}'].get.parameters.find((p: { in: string }) => p.in === 'path').schema, { type: 'integer', minimum: 1, maximum: 999_999_999_999_999 }, 'an integer to generated clients')
  for (const id of ['0x1', '1e0', '1.0', '%201', '01', '0', '-1', 'abc', '9999999999999999']) {
    const res = await call(app, { url: `/v1/keys/${id}`, token: admin })
    t.equal(res.status, 400, `/v1/keys/${id}`)
    t.equal(res.json.errors[0].path, '/params/id')
  }
  t.equal((await call(app, { url: '/v1/keys/1', token: admin })).status, 200, 'the key the bootstrap token made')
  // And so are integers in a query: perPage=0x10 was 16.
  for (const query of ['perPage=0x10', 'perPage=1e1', 'perPage=%2010', 'page=0b1', 'page=2.0']) {
    const res = await call(app, { url: `/v1/articles?${query}` })
    t.same([res.status, res.json.errors?.[0]?.path], [400, `/query/${query.split('=')[0]}`], query)
  }
  t.equal((await call(app, { url: '/v1/changes?perPage=0x10' })).status, 400, 'the change feed too')
  t.equal((await call(app, { url: '/v1/articles?perPage=10&page=1' })).status, 200)
})

t.test('HEAD refuses an unknown query parameter as GET does; a 304 declares the headers it sends', async (t) => {
  const app = await build(t)
  const checker = await SpecChecker.of(app)
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Head Author')
  const a = await postArticle(app, editor, { title: 'Headed', authorId: author.id, status: 'published' })
  t.equal((await app.inject({ method: 'GET', url: `/v1/articles/${a.id}?foo=1` })).statusCode, 400)
  t.equal((await app.inject({ method: 'HEAD', url: `/v1/articles/${a.id}?foo=1` })).statusCode, 400)
  t.equal((await app.inject({ method: 'HEAD', url: `/v1/articles/${a.id}` })).statusCode, 200)
  for (const url of [`/v1/articles/${a.id}`, '/v1/articles', '/v1/tags']) {
    const first = await app.inject(url)
    const again = await app.inject({ url, headers: { 'if-none-match': first.headers.etag as string, 'accept-encoding': 'gzip' } })
    t.equal(again.statusCode, 304)
    t.same(checker.check('GET', url, again), [], `${url}: the 304 is as documented`)
  }
})

t.test('the reader\'s comment form may post from any origin; other writes only from CORS_WRITE_ORIGINS', async (t) => {
  const app = await build(t)
  const preflight = (url: string, method: string) => app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://newspaper.example', 'access-control-request-method': method, 'access-control-request-headers': 'content-type' } })
  const form = await preflight('/v1/articles/some-story/comments', 'POST')
  t.equal(form.statusCode, 204)
  t.equal(form.headers['access-control-allow-origin'], '*')
  t.notOk((await preflight('/v1/comments/1', 'PATCH')).headers['access-control-allow-origin'], 'moderation is a write like the others')
  t.notOk((await preflight('/v1/articles', 'POST')).headers['access-control-allow-origin'])
  t.notOk((await preflight('/v1/articles/some-story/comments/extra', 'POST')).headers['access-control-allow-origin'])
})

t.test('TRUST_PROXY: the comment allowance counts the address the proxy forwards, and only then', async (t) => {
  const post = (app: Awaited<ReturnType<typeof build>>, id: number, forwarded: string) => app.inject({
    method: 'POST', url: `/v1/articles/${id}/comments`, remoteAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': forwarded }, payload: { authorName: 'R', authorEmail: 'r@mail.example', body: 'Hi' }
  })
  for (const trustProxy of [true, 1, ['loopback'], ['127.0.0.1/8'], false, ['10.0.0.0/8']]) {
    const trusted = trustProxy !== false && !(Array.isArray(trustProxy) && trustProxy[0] === '10.0.0.0/8')
    const app = await build(t, { commentRateLimit: 1, trustProxy })
    const editor = tokenFor(app, 'editor')
    const a = await postArticle(app, editor, { title: `Proxied ${trustProxy}`, authorId: insertAuthor(app, `Proxy ${JSON.stringify(trustProxy)}`).id, status: 'published' })
    const statuses = [await post(app, a.id, '203.0.113.1'), await post(app, a.id, '203.0.113.1'), await post(app, a.id, '203.0.113.2')].map((r) => r.statusCode)
    t.same(statuses, trusted ? [201, 429, 201] : [201, 429, 429], `trustProxy ${JSON.stringify(trustProxy)}: ${statuses}`)
  }
})
