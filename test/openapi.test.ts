import t from 'tap'
import { readFileSync } from 'node:fs'
import { generateOpenApi } from '../scripts/write-openapi.js'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

t.test('the committed openapi/openapi.json is what the code generates (run `npm run openapi`)', async (t) => {
  const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
  t.equal(committed, await generateOpenApi())
})

t.test('every route documents operationId, tags, summary and its responses', async (t) => {
  const spec = JSON.parse(await generateOpenApi())
  t.equal(spec.openapi, '3.1.0')
  const ids = new Set<string>()
  for (const [path, ops] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      t.ok(op.operationId, `${method} ${path} has an operationId`)
      t.notOk(ids.has(op.operationId), `${op.operationId} is unique`)
      ids.add(op.operationId)
      t.ok(op.tags?.length, `${op.operationId} has tags`)
      t.ok(op.summary, `${op.operationId} has a summary`)
      t.ok(Object.keys(op.responses).some((s) => s.startsWith('2')), `${op.operationId} documents a success`)
      if (['post', 'patch', 'delete'].includes(method)) t.ok(op.security?.length, `${op.operationId} states its security`)
      // The contract's headers, so that generated clients can read them.
      if (method === 'get' && op.responses['200']) {
        t.ok(op.responses['200'].headers?.etag, `${op.operationId} declares ETag`)
        t.ok(op.parameters?.some((p: any) => p.in === 'header' && p.name === 'if-none-match'), `${op.operationId} takes If-None-Match`)
        if (op.responses['200'].content?.['application/json']?.schema?.properties?.meta) {
          const listHeaders = Object.keys(op.responses['200'].headers).filter((h) => h === 'link' || h === 'x-total-count')
          if (path !== '/v1/changes') t.same(listHeaders, ['link', 'x-total-count'], `${op.operationId} declares Link and X-Total-Count`)
        }
      }
      if (method === 'post' && op.responses['201']) t.equal(op.responses['201'].headers?.location?.required, true, `${op.operationId} declares Location, required`)
      if (op.responses['401']) t.ok(op.responses['401'].headers?.['www-authenticate'], `${op.operationId}: its 401 declares WWW-Authenticate`)
      if (['post', 'patch', 'delete'].includes(method)) t.ok(op.responses['413'] && op.responses['415'], `${op.operationId} lists 413 and 415`)
    }
  }
  t.ok(spec.components.schemas.Problem)
  t.ok(spec.components.schemas.Article)
})

t.test('[200] /openapi.json and /docs are served', async (t) => {
  const app = await build(t)
  t.equal((await app.inject('/openapi.json')).statusCode, 200)
  const docs = await app.inject('/docs')
  t.ok(docs.statusCode === 200 || docs.statusCode === 302)
  t.equal((await app.inject('/docs/static/swagger-initializer.js')).statusCode, 200)
})

t.test('real responses match the spec\'s response schemas', async (t) => {
  const app = await build(t)
  const checker = await SpecChecker.of(app)
  const admin = tokenFor(app, 'admin')
  const author = insertAuthor(app, 'Spec Author', { email: 'spec@example.com' })
  const category = insertCategory(app, 'Spec Category')
  const tag = insertTag(app, 'Spec Tag')
  const article = await postArticle(app, admin, { title: 'Spec article', body: '## A\n\ntext', authorId: author.id, categoryIds: [category.id], tagIds: [tag.id], status: 'published' })
  const requests: { method: string, url: string, payload?: unknown, token?: string }[] = [
    { method: 'GET', url: '/health' },
    { method: 'GET', url: '/health/ready' },
    { method: 'GET', url: '/v1/articles' },
    { method: 'GET', url: '/v1/articles?fields=title,body' },
    { method: 'GET', url: `/v1/articles/${article.slug}` },
    { method: 'GET', url: '/v1/articles/does-not-exist' },
    { method: 'GET', url: '/v1/articles?perPage=0' },
    { method: 'GET', url: '/v1/articles?status=any', token: admin },
    { method: 'GET', url: '/v1/authors' },
    { method: 'GET', url: `/v1/authors/${author.id}` },
    { method: 'GET', url: `/v1/authors/${author.id}`, token: admin },
    { method: 'GET', url: '/v1/categories' },
    { method: 'GET', url: `/v1/categories/${category.slug}` },
    { method: 'GET', url: '/v1/tags' },
    { method: 'GET', url: `/v1/tags/${tag.id}` },
    { method: 'GET', url: `/v1/articles/${article.id}/comments` },
    { method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'R', authorEmail: 'r@example.com', body: 'Hi' } },
    { method: 'GET', url: '/v1/comments', token: admin },
    { method: 'GET', url: '/v1/keys', token: admin },
    { method: 'POST', url: '/v1/keys', token: admin, payload: { name: 'k', role: 'editor' } },
    { method: 'POST', url: '/v1/articles', token: admin, payload: { title: 'New', authorId: author.id } },
    { method: 'POST', url: '/v1/articles', payload: { title: 'New' } },
    { method: 'PATCH', url: `/v1/articles/${article.id}`, token: admin, payload: { subtitle: 'Sub' } },
    { method: 'POST', url: '/v1/tags', token: admin, payload: { name: 'Another tag' } }
  ]
  for (const r of requests) {
    const { res } = await call(app, { method: r.method as 'GET', url: r.url, payload: r.payload as object, token: r.token })
    t.same(checker.check(r.method, r.url, res), [], `${r.method} ${r.url} → ${res.statusCode}`)
  }
})

t.test('what generated clients need from schemas: string enums say so, nullable properties carry their descriptions', async (t) => {
  const spec = JSON.parse(await generateOpenApi())
  const bare: string[] = []
  const buried: string[] = []
  const walk = (node: any, at: string) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}/${i}`))
    if (node === null || typeof node !== 'object') return
    if (Array.isArray(node.enum) && node.type === undefined) bare.push(at)
    if (Array.isArray(node.anyOf) && node.anyOf.some((o: any) => o.type === 'null') && node.anyOf.some((o: any) => o.type !== 'null' && o.description)) buried.push(at)
    for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`)
  }
  walk(spec, '')
  t.same(bare, [], 'no enum without a type')
  t.same(buried, [], 'no description inside a nullable\'s option')
  t.equal(spec.components.schemas.Article.properties.publishedAt.description, 'ISO 8601 UTC time ending in Z')
  t.equal(spec.components.schemas.Article.properties.status.type, 'string')
})
