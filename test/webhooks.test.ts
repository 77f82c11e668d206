import t from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import dns from 'node:dns'
import { eq } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '../src/db/schema.js'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { createComment } from '../src/comments/mutations.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { SpecChecker } from './spec.js'

interface Received { headers: IncomingHttpHeaders, body: string, json: any }

/** A webhook receiver on 127.0.0.1 that answers `status()` and records what it got. */
async function receiver (t: { teardown: (fn: () => unknown) => void }) {
  const received: Received[] = []
  let status = 200
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => {
      received.push({ headers: req.headers, body, json: JSON.parse(body) })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'try later')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answer (code: number) { status = code },
    async waitFor (predicate: (r: Received) => boolean, ms = 5000) {
      const until = Date.now() + ms
      while (Date.now() < until) {
        const hit = received.find(predicate)
        if (hit) return hit
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error('webhook not received')
    }
  }
}

/** The first value `probe` resolves to that is not undefined, asked every 25 ms for up to `ms`. */
async function until<T> (probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`not seen within ${ms} ms`)
}

/** How a receiver verifies `Broadsheet-Signature` (the README shows the same). */
function verify (secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]))
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex')
  return timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1 ?? ''))
}

t.test('[400] private, loopback and link-local targets are refused by default', async (t) => {
  const app = await build(t)
  const admin = tokenFor(app, 'admin')
  for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://192.168.0.10/', 'ftp://example.com/', 'http://user:pw@example.com/']) {
    const r = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url, events: ['*'] } })
    t.equal(r.status, 400, url)
    t.equal(r.json.errors?.[0]?.path, '/url', url)
  }
  const editor = tokenFor(app, 'editor')
  t.equal((await call(app, { method: 'POST', url: '/v1/webhooks', token: editor, payload: { url: 'https://example.com/', events: ['*'] } })).status, 403)
  t.equal((await call(app, { url: '/v1/webhooks' })).status, 401)
})

t.test('each event is delivered, signed', async (t) => {
  const hook = await receiver(t)
  const app = await build(t, { webhookAllowPrivate: true, commentRateLimit: 1000 })
  const admin = tokenFor(app, 'admin')
  const created = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: hook.url, events: ['*'] } })
  t.equal(created.status, 201)
  const secret = created.json.data.secret
  t.match(secret, /^whsec_/)
  t.notOk((await call(app, { url: `/v1/webhooks/${created.json.data.id}`, token: admin })).res.body.includes(secret), 'the secret is shown once')

  const author = insertAuthor(app, 'Hook Author')
  const article = await postArticle(app, admin, { title: 'Hooked', authorId: author.id, status: 'published' })
  const event = (name: string) => hook.waitFor((r) => r.json.event === name && r.json.data.id === (name.startsWith('comment') ? r.json.data.id : article.id))
  const published = await event('article.published')
  t.equal(published.json.data.slug, 'hooked')
  t.ok(verify(secret, published.headers['broadsheet-signature'] as string, published.body), 'the signature verifies')
  t.notOk(verify('wrong-secret-wrong-secret', published.headers['broadsheet-signature'] as string, published.body))
  t.equal(published.headers['broadsheet-event'], 'article.published')

  await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: admin, payload: { title: 'Hooked again' } })
  t.equal((await event('article.updated')).json.data.title, 'Hooked again')
  const comment = await call(app, { method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'R', authorEmail: 'r@example.com', body: 'Hi' } })
  const createdEvent = await hook.waitFor((r) => r.json.event === 'comment.created')
  t.equal(createdEvent.json.data.id, comment.json.data.id)
  t.notOk(createdEvent.body.includes('r@example.com'), 'no commenter email in payloads')
  await call(app, { method: 'PATCH', url: `/v1/comments/${comment.json.data.id}`, token: admin, payload: { status: 'approved' } })
  await hook.waitFor((r) => r.json.event === 'comment.approved')
  // Unpublished and edited in one write: announced as it was while public.
  await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: admin, payload: { status: 'draft', title: 'Secret draft title', slug: 'secret-draft-slug' } })
  const unpublished = await event('article.unpublished')
  t.same([unpublished.json.data.title, unpublished.json.data.slug, unpublished.json.data.status], ['Hooked again', 'hooked', 'draft'])
  // A draft is not announced: not its edits, its comments or its deletion.
  await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: admin, payload: { title: 'Secret new title' } })
  createComment(app.db, article.id, { authorName: 'S', authorEmail: 's@example.com', body: 'On a draft' }, { status: 'approved' })
  await call(app, { method: 'DELETE', url: `/v1/articles/${article.id}`, token: admin })
  const deleted = await postArticle(app, admin, { title: 'Deleted live', authorId: author.id, status: 'published' })
  await call(app, { method: 'DELETE', url: `/v1/articles/${deleted.id}`, token: admin })
  t.equal((await hook.waitFor((r) => r.json.event === 'article.deleted')).json.data.id, deleted.id, 'a published article\'s deletion is')

  // A scheduled article going live is published by the scheduler, which is announced too.
  const later = await postArticle(app, admin, { title: 'Later hook', authorId: author.id, status: 'scheduled', publishedAt: new Date(Date.now() + 300).toISOString() })
  await hook.waitFor((r) => r.json.event === 'article.published' && r.json.data.id === later.id)

  const ping = await call(app, { method: 'POST', url: `/v1/webhooks/${created.json.data.id}/ping`, token: admin })
  t.equal(ping.status, 202)
  await hook.waitFor((r) => r.json.event === 'ping')
  // The receiver has the ping before the server reads its answer and records it.
  const deliveries = await until(async () => {
    const listed = await call(app, { url: `/v1/webhooks/${created.json.data.id}/deliveries?perPage=100`, token: admin })
    return listed.json.data.every((d: any) => d.status !== 'pending') ? listed : undefined
  })
  t.ok(deliveries.json.data.length >= 8)
  t.notOk(/Secret new title|Secret draft title|secret-draft-slug/.test(JSON.stringify(deliveries.json.data)), 'nothing of the draft was queued')
  t.equal(deliveries.json.data.filter((d: any) => d.event.startsWith('comment.')).length, 2, 'comment events for the published article only')
  t.ok(deliveries.json.data.every((d: any) => d.status === 'delivered' && d.lastStatusCode === 200 && d.lastResponse === 'thanks'))
  // What the spec says a delivery's payload and a POSTed body are (its `webhooks` section).
  const checker = await SpecChecker.of(app)
  const listedUrl = `/v1/webhooks/${created.json.data.id}/deliveries?perPage=100`
  t.same(checker.check('GET', listedUrl, await app.inject({ url: listedUrl, headers: { authorization: `Bearer ${admin}` } })), [], 'deliveries and their payloads match the spec')
  const spec = JSON.parse((await app.inject('/openapi.json')).body)
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  ;(addFormats as unknown as (a: Ajv2020) => void)(ajv)
  ajv.addSchema(spec, 'spec')
  const postedBody = ajv.getSchema('spec#/components/schemas/WebhookEvent')!
  const kinds = new Set<string>()
  for (const delivered of hook.received) {
    kinds.add(delivered.json.event)
    t.ok(postedBody(delivered.json), `${delivered.json.event}: the body matches WebhookEvent ${JSON.stringify(postedBody.errors ?? [])}`)
    t.ok(spec.webhooks[delivered.json.event]?.post, `${delivered.json.event} is in the spec's webhooks`)
  }
  t.same([...kinds].sort(), [...Object.keys(spec.webhooks)].sort(), 'every event the spec lists was delivered and checked')

  // Only subscribed events.
  const only = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: hook.url + '?only', events: ['comment.approved'] } })
  await postArticle(app, admin, { title: 'Not for only', authorId: author.id, status: 'published' })
  await new Promise((resolve) => setTimeout(resolve, 700))
  const onlyDeliveries = await call(app, { url: `/v1/webhooks/${only.json.data.id}/deliveries`, token: admin })
  t.equal(onlyDeliveries.json.meta.total, 0)
})

t.test('failed deliveries are retried with backoff, and survive a restart', async (t) => {
  const hook = await receiver(t)
  hook.answer(500)
  const path = join(mkdtempSync(join(tmpdir(), 'broadsheet-hooks-')), 'db.sqlite')
  const app = await build(t, { webhookAllowPrivate: true, databasePath: path })
  const admin = tokenFor(app, 'admin')
  const hookId = (await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: hook.url, events: ['article.published'] } })).json.data.id
  const author = insertAuthor(app, 'Retry Author')
  await postArticle(app, admin, { title: 'Retry me', authorId: author.id, status: 'published' })
  await hook.waitFor(() => true)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const [failed] = (await call(app, { url: `/v1/webhooks/${hookId}/deliveries`, token: admin })).json.data
  t.equal(failed.status, 'pending')
  t.equal(failed.attempts, 1)
  t.equal(failed.lastStatusCode, 500)
  const delay = Date.parse(failed.nextAttemptAt) - Date.now()
  t.ok(delay > 5000 && delay <= 10_000, `retried later (${delay} ms), not at once`)
  await app.close()

  // After a restart the queued delivery is still there; let its retry time arrive.
  hook.answer(200)
  const again = await build(t, { webhookAllowPrivate: true, databasePath: path })
  again.db.update(webhookDeliveries).set({ nextAttemptAt: Date.now() }).where(eq(webhookDeliveries.id, failed.id)).run()
  await hook.waitFor((r) => r.json.id === failed.id && hook.received.filter((x) => x.json.id === failed.id).length === 2)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const done = (await call(again, { url: `/v1/webhooks/${hookId}/deliveries`, token: tokenFor(again, 'admin') })).json.data[0]
  t.equal(done.status, 'delivered')
  t.equal(done.attempts, 2)
})

t.test('[412] If-Match on changing or deleting a subscription, and on revoking a key', async (t) => {
  const app = await build(t, { webhookAllowPrivate: true })
  const admin = tokenFor(app, 'admin')
  const hook = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: 'http://127.0.0.1:9/hook', events: ['article.published'] } })
  const url = `/v1/webhooks/${hook.json.data.id}`
  const read = await app.inject({ url, headers: { authorization: `Bearer ${admin}` } })
  const etag = read.headers.etag as string

  const stale = await call(app, { method: 'PATCH', url, token: admin, headers: { 'if-match': '"stale"' }, payload: { active: false } })
  t.equal(stale.status, 412)
  t.equal((await call(app, { url, token: admin })).json.data.active, true, 'a 412 changes nothing')
  const changed = await app.inject({ method: 'PATCH', url, headers: { authorization: `Bearer ${admin}`, 'if-match': etag }, payload: { active: false } })
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().data.active, false)
  t.equal((await call(app, { method: 'DELETE', url, token: admin, headers: { 'if-match': etag } })).status, 412, 'the ETag read before the change is stale')
  t.equal((await call(app, { url, token: admin })).status, 200, 'and deleted nothing')
  t.equal((await call(app, { method: 'DELETE', url, token: admin, headers: { 'if-match': changed.headers.etag as string } })).status, 204)
  t.equal((await call(app, { url, token: admin })).status, 404)

  const key = await call(app, { method: 'POST', url: '/v1/keys', token: admin, payload: { name: 'Revoke me', role: 'editor' } })
  const keyUrl = `/v1/keys/${key.json.data.id}`
  t.equal((await call(app, { method: 'DELETE', url: keyUrl, token: admin, headers: { 'if-match': '"stale"' } })).status, 412)
  t.equal((await call(app, { url: '/v1/tags', token: key.json.data.token })).status, 200, 'the key still works after a 412')
  const keyEtag = (await app.inject({ url: keyUrl, headers: { authorization: `Bearer ${admin}` } })).headers.etag as string
  t.equal((await call(app, { method: 'DELETE', url: keyUrl, token: admin, headers: { 'if-match': keyEtag } })).status, 204)
  t.equal((await call(app, { url: '/v1/tags', token: key.json.data.token })).status, 401, 'revoked')
})

t.test('keys, subscriptions and deliveries are lists like the others; routes without query parameters refuse them', async (t) => {
  const app = await build(t, { webhookAllowPrivate: true })
  const admin = tokenFor(app, 'admin')
  for (let i = 0; i < 3; i++) {
    await call(app, { method: 'POST', url: '/v1/keys', token: admin, payload: { name: `Listed ${i}`, role: 'editor' } })
    await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: `http://127.0.0.1:9/hook-${i}`, events: ['*'] } })
  }
  for (const url of ['/v1/keys', '/v1/webhooks']) {
    const first = await call(app, { url: `${url}?perPage=2`, token: admin })
    t.equal(first.status, 200)
    t.same(Object.keys(first.json), ['data', 'meta', 'links'], `${url} is a list`)
    t.equal(first.json.data.length, 2)
    t.equal(first.headers['x-total-count'], String(first.json.meta.total))
    t.match(first.headers.link, /rel="next"/)
    const all = await call(app, { url, token: admin })
    const walked = [...first.json.data]
    for (let next = first.json.meta.nextCursor; next;) {
      const page = await call(app, { url: `${url}?perPage=2&cursor=${next}`, token: admin })
      walked.push(...page.json.data)
      next = page.json.meta.nextCursor
    }
    t.same(walked.map((x: any) => x.id), all.json.data.map((x: any) => x.id), `${url}: a cursor walk is the whole list, oldest first`)
    const picked = await call(app, { url: `${url}?fields=createdAt`, token: admin })
    t.same(Object.keys(picked.json.data[0]), ['id', 'createdAt'], `${url}: fields`)
    t.equal((await call(app, { url: `${url}?sort=name`, token: admin })).status, 400, `${url}: unknown sort`)
    t.equal((await call(app, { url: `${url}?bogus=1`, token: admin })).status, 400, `${url}: unknown parameter`)
  }
  const hook = (await call(app, { url: '/v1/webhooks', token: admin })).json.data[0]
  await call(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/ping`, token: admin })
  const deliveries = await call(app, { url: `/v1/webhooks/${hook.id}/deliveries?fields=event,status`, token: admin })
  t.same(Object.keys(deliveries.json.data[0]).sort(), ['event', 'id', 'status'], 'deliveries honour fields (they were ignored)')

  // One item, or a write, takes no query parameter: one given is a 400, not ignored.
  for (const [method, url] of [['GET', `/v1/webhooks/${hook.id}?fields=url`], ['GET', '/v1/keys/1?x=1'], ['DELETE', `/v1/webhooks/${hook.id}?force=true`]] as const) {
    const res = await call(app, { method, url, token: admin })
    t.same([res.status, res.json.errors?.[0]?.path], [400, `/query/${url.split('?')[1].split('=')[0]}`], `${method} ${url}`)
  }
  t.equal((await call(app, { url: `/v1/webhooks/${hook.id}`, token: admin })).status, 200, 'and deleted nothing')
})

t.test('renaming or deleting a tag, category or author queues no article.updated per article; the feed still carries them', async (t) => {
  const app = await build(t, { webhookAllowPrivate: true })
  const admin = tokenFor(app, 'admin')
  await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] } })
  const author = insertAuthor(app, 'Quiet Author')
  const tag = await call(app, { method: 'POST', url: '/v1/tags', token: admin, payload: { name: 'Quiet tag' } })
  const category = await call(app, { method: 'POST', url: '/v1/categories', token: admin, payload: { name: 'Quiet category' } })
  for (let i = 0; i < 3; i++) await postArticle(app, admin, { title: `Quiet ${i}`, authorId: author.id, status: 'published', tagIds: [tag.json.data.id], categoryIds: [category.json.data.id] })
  const queued = () => (app.db.$client.prepare("select count(*) n from webhook_deliveries where event = 'article.updated'").get() as { n: number }).n
  const logged = () => (app.db.$client.prepare("select count(*) n from change_events where resource = 'article'").get() as { n: number }).n
  const before = { queued: queued(), logged: logged() }
  for (const [method, url, payload] of [
    ['PATCH', `/v1/tags/${tag.json.data.id}`, { name: 'Loud tag' }],
    ['PATCH', `/v1/categories/${category.json.data.id}`, { name: 'Loud category' }],
    ['PATCH', `/v1/authors/${author.id}`, { name: 'Loud Author' }],
    ['DELETE', `/v1/tags/${tag.json.data.id}`, undefined],
    ['DELETE', `/v1/categories/${category.json.data.id}`, undefined]
  ] as const) {
    const res = await call(app, { method, url, token: admin, payload })
    t.ok(res.status < 300, `${method} ${url}`)
  }
  t.equal(queued(), before.queued, 'no article.updated deliveries')
  t.equal(logged() - before.logged, 15, 'and each write logged the three articles for the feed')
  t.equal((app.db.$client.prepare("select count(*) n from app_state where key = 'restamping_embeds'").get() as { n: number }).n, 0, 'the flag never outlives its transaction')
  const article = await postArticle(app, admin, { title: 'Still loud', authorId: author.id, status: 'published' })
  await call(app, { method: 'PATCH', url: `/v1/articles/${article.id}`, token: admin, payload: { title: 'Still loud, edited' } })
  t.equal(queued(), before.queued + 1, 'an article\'s own edit still sends article.updated')
})

/** A subscription written straight to the table, as if its URL had passed the check when it was made. */
function subscribeUnchecked (app: Awaited<ReturnType<typeof build>>, url: string): number {
  return app.db.insert(webhooks).values({ url, events: ['*'], secret: 'whsec_test', active: true, createdAt: Date.now(), updatedAt: Date.now() }).returning().get().id
}

/** The deliveries of one subscription, once `settled` holds for all of them. */
async function settledDeliveries (app: Awaited<ReturnType<typeof build>>, hookId: number, settled: (d: any) => boolean) {
  const admin = tokenFor(app, 'admin')
  return until(async () => {
    const list = (await call(app, { url: `/v1/webhooks/${hookId}/deliveries`, token: admin })).json.data
    return list.length && list.every(settled) ? list : undefined
  })
}

t.test('a delivery checks the address it connects to: a name that resolved to a public address when subscribed and to loopback now is refused', async (t) => {
  const hook = await receiver(t)
  const port = new URL(hook.url).port
  // A rebinding name server: a public address for the subscription's check, loopback after.
  const { lookup } = dns
  const promisesLookup = dns.promises.lookup
  dns.promises.lookup = (async (host: string, options: object) => host === 'rebind.test' ? [{ address: '93.184.216.34', family: 4 }] : promisesLookup(host, options as any)) as typeof promisesLookup
  dns.lookup = ((host: string, options: any, callback: (...args: unknown[]) => void) => {
    if (host !== 'rebind.test') return lookup(host, options, callback as any)
    if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
    else callback(null, '127.0.0.1', 4)
  }) as typeof lookup
  t.teardown(() => { dns.lookup = lookup; dns.promises.lookup = promisesLookup })

  const app = await build(t)
  const admin = tokenFor(app, 'admin')
  const rebound = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: `http://rebind.test:${port}/hook`, events: ['*'] } })
  t.equal(rebound.status, 201, 'the name passed the check when subscribed')
  // And URLs that would be refused today, as if stored before a rule was added.
  const literal = subscribeUnchecked(app, `http://127.0.0.1:${port}/hook`)
  const compatible = subscribeUnchecked(app, `http://[::127.0.0.1]:${port}/hook`)
  await postArticle(app, admin, { title: 'Rebound', authorId: insertAuthor(app, 'Rebind Author').id, status: 'published' })
  for (const [name, id, address] of [['rebind.test', rebound.json.data.id, '127.0.0.1'], ['an IP literal', literal, '127.0.0.1'], ['IPv4-compatible IPv6', compatible, '::7f00:1']] as const) {
    const deliveries = await settledDeliveries(app, id, (d) => d.attempts === 1)
    t.match(deliveries[0], { status: 'pending', lastStatusCode: null, lastError: `resolves to an internal address (${address}); set WEBHOOK_ALLOW_PRIVATE=true to allow` }, name)
  }
  t.equal(hook.received.length, 0, 'nothing reached the loopback receiver')
})

t.test('a receiver\'s answer is read up to 1 KB, then the connection is dropped', async (t) => {
  let sent = 0
  const endless = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    const chunk = 'é'.repeat(8192)
    const more = () => { while (!res.destroyed && res.write(chunk)) sent += chunk.length * 2 }
    res.on('drain', more)
    more()
  })
  await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { endless.closeAllConnections(); return new Promise((resolve) => endless.close(resolve)) })
  const app = await build(t, { webhookAllowPrivate: true })
  const admin = tokenFor(app, 'admin')
  const hookId = subscribeUnchecked(app, `http://127.0.0.1:${(endless.address() as AddressInfo).port}/hook`)
  const started = Date.now()
  await postArticle(app, admin, { title: 'Endless answer', authorId: insertAuthor(app, 'Endless Author').id, status: 'published' })
  const [delivery] = await settledDeliveries(app, hookId, (d) => d.attempts === 1)
  t.equal(delivery.status, 'delivered')
  t.equal(delivery.lastResponse, 'é'.repeat(512), 'the first 1,024 bytes, whole characters')
  t.ok(Date.now() - started < 5000, 'without waiting for the answer to end')
  t.ok(sent < 50 * 1024 * 1024, `the receiver could send only what the connection buffered (${sent} bytes)`)
})

t.test('a receiver that never answers holds up no other subscription, and does not hold up closing', async (t) => {
  const hanging = createServer(() => {})
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { hanging.closeAllConnections(); return new Promise((resolve) => hanging.close(resolve)) })
  const fast = await receiver(t)
  const databasePath = join(mkdtempSync(join(tmpdir(), 'broadsheet-hooks-')), 'db.sqlite')
  const app = await build(t, { webhookAllowPrivate: true, databasePath })
  const admin = tokenFor(app, 'admin')
  const stuck = subscribeUnchecked(app, `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`)
  subscribeUnchecked(app, fast.url)
  const author = insertAuthor(app, 'Busy Author')
  const started = Date.now()
  for (let i = 0; i < 12; i++) await postArticle(app, admin, { title: `Busy ${i}`, authorId: author.id, status: 'published' })
  await until(async () => fast.received.filter((r) => r.json.event === 'article.published').length === 12 || undefined)
  t.ok(Date.now() - started < 5000, `the other subscription got all 12 at once (${Date.now() - started} ms), not 10 s per batch`)
  const closing = Date.now()
  await app.close()
  t.ok(Date.now() - closing < 2000, `closing stopped the hanging deliveries (${Date.now() - closing} ms)`)
  const again = await build(t, { databasePath, backgroundJobs: false })
  const left = again.db.$client.prepare('select status, attempts from webhook_deliveries where webhook_id = ?').all(stuck) as { status: string, attempts: number }[]
  t.ok(left.length >= 12 && left.every((d) => d.status === 'pending' && d.attempts === 0), 'and left them due, not counted as failed attempts')
})

t.test('a receiver that answers 101, or closes without an answer, is a failed attempt, not a slot held for good', async (t) => {
  const { createServer: createTcpServer } = await import('node:net')
  const odd = createTcpServer((socket) => {
    socket.once('data', () => {
      if (socket.localPort === switching.port) socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n')
      else socket.destroy()
    })
  })
  const silent = createTcpServer((socket) => socket.once('data', () => socket.destroy()))
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const switching = { port: (odd.address() as AddressInfo).port }
  t.teardown(() => { odd.close(); silent.close() })
  const app = await build(t, { webhookAllowPrivate: true })
  const admin = tokenFor(app, 'admin')
  const upgraded = subscribeUnchecked(app, `http://127.0.0.1:${switching.port}/hook`)
  const hungUp = subscribeUnchecked(app, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`)
  await postArticle(app, admin, { title: 'Odd receivers', authorId: insertAuthor(app, 'Odd Author').id, status: 'published' })
  const [first] = await settledDeliveries(app, upgraded, (d) => d.attempts === 1)
  t.match(first, { status: 'pending', lastStatusCode: 101, lastError: 'HTTP 101' }, 'a 101 is an answer, not a success')
  const [second] = await settledDeliveries(app, hungUp, (d) => d.attempts === 1)
  t.match(second, { status: 'pending', lastStatusCode: null, lastError: /socket hang up|closed without an answer/ })
  const closing = Date.now()
  await app.close()
  t.ok(Date.now() - closing < 2000, 'and closing does not wait for them')
})

t.test('a receiver that answered 200 but is still sending its body when the server stops counts as delivered', async (t) => {
  let answered: () => void = () => {}
  const gotStatus = new Promise<void>((resolve) => { answered = resolve })
  const slow = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '100' })
    res.write('thanks')
    answered()
  })
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { slow.closeAllConnections(); return new Promise((resolve) => slow.close(resolve)) })
  const databasePath = join(mkdtempSync(join(tmpdir(), 'broadsheet-hooks-')), 'db.sqlite')
  const app = await build(t, { webhookAllowPrivate: true, databasePath })
  const hookId = subscribeUnchecked(app, `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`)
  await postArticle(app, tokenFor(app, 'admin'), { title: 'Slow thanks', authorId: insertAuthor(app, 'Slow Author').id, status: 'published' })
  await gotStatus
  await new Promise((resolve) => setTimeout(resolve, 50))
  await app.close()
  const again = await build(t, { databasePath, backgroundJobs: false })
  const row = again.db.$client.prepare('select status, attempts, last_status_code as code from webhook_deliveries where webhook_id = ?').get(hookId)
  t.same(row, { status: 'delivered', attempts: 1, code: 200 }, 'not sent again after the restart')
})
