/**
 * Who may do what (contract section 5), as a table: every role against every write
 * route. Each row arranges its own target so that a success does not disturb the next.
 */
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { revokeKey } from '../src/keys/queries.js'
import { createKey } from '../src/keys/queries.js'

const app: FastifyInstance = await build(t, { commentRateLimit: 100000 })
const admin = tokenFor(app, 'admin')
const ann = insertAuthor(app, 'Ann Matrix')
const bob = insertAuthor(app, 'Bob Matrix')
const revoked = createKey(app.db, { name: 'revoked', role: 'editor' })
revokeKey(app.db, revoked.id)

const callers: Record<string, string | undefined> = {
  anonymous: undefined,
  author: tokenFor(app, 'author', ann.id),
  otherAuthor: tokenFor(app, 'author', bob.id),
  editor: tokenFor(app, 'editor'),
  admin,
  revoked: revoked.token
}

let n = 0
const fresh = {
  article: async () => postArticle(app, admin, { title: `Matrix article ${++n}`, authorId: ann.id, status: 'published' }),
  author: () => insertAuthor(app, `Matrix author ${++n}`),
  category: () => insertCategory(app, `Matrix category ${++n}`),
  tag: () => insertTag(app, `Matrix tag ${++n}`),
  comment: async () => {
    const a = await fresh.article()
    return (await call(app, { method: 'POST', url: `/v1/articles/${a.id}/comments`, payload: { authorName: 'M', authorEmail: 'm@example.com', body: 'x' } })).json.data
  },
  key: () => createKey(app.db, { name: `k${++n}`, role: 'editor' }),
  webhook: async () => (await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: 'https://93.184.216.34/x', events: ['*'] } })).json.data
}

type Row = [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', (id: number) => string, () => Promise<{ id: number }> | { id: number }, object | undefined, Record<string, number>]
const C = { anonymous: 401, revoked: 401 }
const staffOnly = { ...C, author: 403, otherAuthor: 403 }
const adminOnly = { ...staffOnly, editor: 403 }
const none = async () => ({ id: 0 })

const matrix: Row[] = [
  ['create article', 'POST', () => '/v1/articles', none, { title: 'By matrix', authorId: ann.id }, { ...C, author: 201, otherAuthor: 403, editor: 201, admin: 201 }],
  ['update article', 'PATCH', (id) => `/v1/articles/${id}`, fresh.article, { subtitle: 'changed' }, { ...C, author: 200, otherAuthor: 403, editor: 200, admin: 200 }],
  ['delete article', 'DELETE', (id) => `/v1/articles/${id}`, fresh.article, undefined, { ...C, author: 204, otherAuthor: 403, editor: 204, admin: 204 }],
  ['create author', 'POST', () => '/v1/authors', none, { name: 'New author' }, { ...staffOnly, editor: 201, admin: 201 }],
  ['update author', 'PATCH', (id) => `/v1/authors/${id}`, fresh.author, { bio: 'b' }, { ...staffOnly, editor: 200, admin: 200 }],
  ['delete author', 'DELETE', (id) => `/v1/authors/${id}`, fresh.author, undefined, { ...staffOnly, editor: 204, admin: 204 }],
  ['create category', 'POST', () => '/v1/categories', none, { name: 'New category' }, { ...staffOnly, editor: 201, admin: 201 }],
  ['update category', 'PATCH', (id) => `/v1/categories/${id}`, fresh.category, { description: 'd' }, { ...staffOnly, editor: 200, admin: 200 }],
  ['delete category', 'DELETE', (id) => `/v1/categories/${id}`, fresh.category, undefined, { ...staffOnly, editor: 204, admin: 204 }],
  ['create tag', 'POST', () => '/v1/tags', none, { name: 'New tag' }, { ...staffOnly, editor: 201, admin: 201 }],
  ['update tag', 'PATCH', (id) => `/v1/tags/${id}`, fresh.tag, { description: 'd' }, { ...staffOnly, editor: 200, admin: 200 }],
  ['delete tag', 'DELETE', (id) => `/v1/tags/${id}`, fresh.tag, undefined, { ...staffOnly, editor: 204, admin: 204 }],
  ['post comment', 'POST', (id) => `/v1/articles/${id}/comments`, fresh.article, { authorName: 'R', authorEmail: 'r@example.com', body: 'hi' }, { anonymous: 201, revoked: 401, author: 201, otherAuthor: 201, editor: 201, admin: 201 }],
  ['list comments for moderation', 'GET', () => '/v1/comments', none, undefined, { ...staffOnly, editor: 200, admin: 200 }],
  ['moderate comment', 'PATCH', (id) => `/v1/comments/${id}`, fresh.comment, { status: 'approved' }, { ...staffOnly, editor: 200, admin: 200 }],
  ['delete comment', 'DELETE', (id) => `/v1/comments/${id}`, fresh.comment, undefined, { ...staffOnly, editor: 204, admin: 204 }],
  ['list keys', 'GET', () => '/v1/keys', none, undefined, { ...adminOnly, admin: 200 }],
  ['create key', 'POST', () => '/v1/keys', none, { name: 'n', role: 'editor' }, { ...adminOnly, admin: 201 }],
  ['revoke key', 'DELETE', (id) => `/v1/keys/${id}`, fresh.key, undefined, { ...adminOnly, admin: 204 }],
  ['create webhook', 'POST', () => '/v1/webhooks', none, { url: 'https://93.184.216.34/y', events: ['*'] }, { ...adminOnly, admin: 201 }],
  ['update webhook', 'PATCH', (id) => `/v1/webhooks/${id}`, fresh.webhook, { active: false }, { ...adminOnly, admin: 200 }],
  ['delete webhook', 'DELETE', (id) => `/v1/webhooks/${id}`, fresh.webhook, undefined, { ...adminOnly, admin: 204 }]
]

for (const [name, method, url, arrange, payload, expected] of matrix) {
  t.test(name, async (t) => {
    for (const [caller, status] of Object.entries(expected)) {
      const target = await arrange()
      const r = await call(app, { method, url: url(target.id), token: callers[caller], payload: payload as object })
      t.equal(r.status, status, `${caller}: ${method} ${url(target.id)} → ${status}`)
      if (status === 401) t.match(r.headers['www-authenticate'], /^Bearer/, `${caller} gets WWW-Authenticate`)
      if (status >= 400) t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
  })
}

t.test('a revoked key fails on its very next request', async (t) => {
  const key = createKey(app.db, { name: 'soon revoked', role: 'editor' })
  t.equal((await call(app, { url: '/v1/articles?status=draft', token: key.token })).status, 200)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/keys/${key.id}`, token: admin })).status, 204)
  t.equal((await call(app, { url: '/v1/articles?status=draft', token: key.token })).status, 401)
  t.equal((await call(app, { url: '/v1/articles', token: key.token })).status, 401, 'on reads too')
})

t.test('tokens are stored only as hashes and listed without them', async (t) => {
  const created = await call(app, { method: 'POST', url: '/v1/keys', token: admin, payload: { name: 'shown once', role: 'author', authorId: ann.id } })
  const token = created.json.data.token as string
  t.ok(Buffer.from(token.replace(/^bs_/, ''), 'base64url').length >= 32, 'at least 32 random bytes')
  const rows = app.db.$client.prepare('select * from api_keys').all()
  t.notOk(JSON.stringify(rows).includes(token), 'the token is not in the database')
  const list = await call(app, { url: '/v1/keys', token: admin })
  t.notOk(list.res.body.includes(token))
  t.notOk(list.res.body.includes('token_hash') || list.res.body.includes('tokenHash'))
  t.equal((await call(app, { method: 'POST', url: '/v1/keys', token: admin, payload: { name: 'x', role: 'author' } })).json.errors[0].path, '/authorId')
})

t.test('the bootstrap key shows no part of its token, which a person chose', async (t) => {
  const chosen = 'Correct-Horse-Battery-Staple-2026-newsroom'
  const databasePath = join(mkdtempSync(join(tmpdir(), 'broadsheet-keys-')), 'db.sqlite')
  const first = await build(t, { databasePath })
  // A key made by an earlier version showed the token's first 7 characters.
  createKey(first.db, { name: 'bootstrap admin (BOOTSTRAP_ADMIN_TOKEN)', role: 'admin' }, chosen)
  await first.close()
  const app = await build(t, { databasePath, bootstrapAdminToken: chosen })
  const list = await call(app, { url: '/v1/keys', token: chosen })
  t.equal(list.status, 200, 'the token works')
  t.same(list.json.data.map((key: { tokenPrefix: string }) => key.tokenPrefix), ['(bootstrap)'])
  t.notOk(list.res.body.includes(chosen.slice(0, 4)), 'not even its first characters')
  const fresh = await build(t, { bootstrapAdminToken: chosen })
  t.equal((await call(fresh, { url: '/v1/keys/1', token: chosen })).json.data.tokenPrefix, '(bootstrap)', 'on a new database too')
})
