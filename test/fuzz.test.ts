/**
 * Schema-driven fuzzing. For every operation in the served OpenAPI document, fast-check
 * generates requests from the operation's own parameter and body schemas (valid ones)
 * and breaks them in every way a client can (invalid ones: wrong types, missing and
 * unknown properties, huge and unicode strings, NUL bytes, extreme numbers, bad ids,
 * slugs, cursors and query values), sent as anonymous, author, editor and admin callers.
 *
 * Every answer must be a non-5xx, every error a problem document, and every answer must
 * match what the spec documents for that operation and status (SpecChecker).
 * The seed is fixed, so a failure reproduces; the counterexample is in the message.
 * `FUZZ_DEBUG=operationId npx tap test/fuzz.test.ts` prints every request of one operation.
 */
import t from 'tap'
import fc from 'fast-check'
import http from 'node:http'
import { once } from 'node:events'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { SpecChecker } from './spec.js'

const RUNS = 30
fc.configureGlobal({ seed: 42, numRuns: RUNS, endOnFailure: true })

type Schema = Record<string, any>
interface Parameter { name: string, in: 'path' | 'query' | 'header', required?: boolean, schema: Schema, description?: string }
interface Operation { method: string, path: string, operationId: string, parameters: Parameter[], body: Schema | null }
type CallerName = 'anonymous' | 'author' | 'editor' | 'admin' | 'bad-token' | 'malformed-auth'

/** One generated request; path, query and payload are already wire text (encoded as a client would, or broken on purpose). */
interface Req {
  caller: CallerName
  path: Record<string, string>
  query: [string, string][]
  headers: Record<string, string>
  payload?: string
  note: string
}

// ── the app, its spec and a little content ───────────────────────────────────────────
// Webhook deliveries go to this local sink only: no request leaves the machine.
const sink = http.createServer((req, res) => { req.resume(); res.writeHead(204).end() }).listen(0, '127.0.0.1')
await once(sink, 'listening')
t.teardown(() => { sink.closeAllConnections(); sink.close() })
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/hooks`
const app = await build(t, { commentRateLimit: 100000, webhookAllowPrivate: true })
const spec = JSON.parse((await app.inject('/openapi.json')).body)
const checker = new SpecChecker(spec)

const admin = tokenFor(app, 'admin')
const editor = tokenFor(app, 'editor')
const ann = insertAuthor(app, 'Ann Fuzz', { email: 'ann@fuzz.example', bio: 'Writes.' })
const bob = insertAuthor(app, 'Bob Fuzz', { email: 'bob@fuzz.example' })
const author = tokenFor(app, 'author', ann.id)
const news = insertCategory(app, 'Fuzz News')
const local = insertCategory(app, 'Fuzz Local', news.id)
const harbour = insertTag(app, 'Fuzz Harbour')
const ships = insertTag(app, 'Fuzz Ships')
const common = { categoryIds: [local.id], tagIds: [harbour.id, ships.id], body: '## Intro\n\nText about **ships**.\n\n## More\n\nMore text.' }
// `anchor` is never written to by the fuzzer: comments are posted to it and its approved comment is their parent.
const anchor = await postArticle(app, admin, { title: 'Fuzz anchor story', authorId: ann.id, status: 'published', ...common })
const annPublished = await postArticle(app, admin, { title: 'Fuzz harbour story', authorId: ann.id, status: 'published', ...common })
const bobPublished = await postArticle(app, admin, { title: 'Fuzz ships story', authorId: bob.id, status: 'published', featured: true, ...common })
const annDraft = await postArticle(app, admin, { title: 'Fuzz draft story', authorId: ann.id, ...common })
const posted = await call(app, { method: 'POST', url: `/v1/articles/${anchor.id}/comments`, payload: { authorName: 'Reader', authorEmail: 'reader@fuzz.example', body: 'A first comment.' } })
const parentComment: number = posted.json.data.id
await call(app, { method: 'PATCH', url: `/v1/comments/${parentComment}`, token: editor, payload: { status: 'approved' } })
const spare = await call(app, { method: 'POST', url: `/v1/articles/${annPublished.id}/comments`, payload: { authorName: 'Other', authorEmail: 'other@fuzz.example', body: 'Another comment.' } })
const spareComment: number = spare.json.data.id
const hook = await call(app, { method: 'POST', url: '/v1/webhooks', token: admin, payload: { url: `${sinkUrl}/fixture`, events: ['*'] } })
const webhookIds: string[] = hook.status === 201 ? [String(hook.json.data.id)] : []

const tokens: Record<CallerName, string | undefined> = {
  anonymous: undefined,
  author,
  editor,
  admin,
  'bad-token': 'bs_' + 'A'.repeat(43),
  'malformed-auth': undefined
}

/** Items a request may read, write or delete, per collection. DELETE only ever touches what the fuzzer itself created. */
const fixtures = {
  articles: { read: [anchor, annPublished, bobPublished, annDraft].flatMap((a) => [String(a.id), a.slug]), write: [annPublished, bobPublished, annDraft].map((a) => String(a.id)) },
  authors: { read: [ann, bob].flatMap((a) => [String(a.id), a.slug]), write: [String(ann.id), String(bob.id)] },
  categories: { read: [news, local].flatMap((c) => [String(c.id), c.slug]), write: [String(news.id), String(local.id)] },
  tags: { read: [harbour, ships].flatMap((c) => [String(c.id), c.slug]), write: [String(harbour.id), String(ships.id)] },
  comments: { read: [String(parentComment), String(spareComment)], write: [String(spareComment)] },
  keys: { read: ['1', '2', '3'], write: [] as string[] },
  webhooks: { read: webhookIds, write: webhookIds }
} as Record<string, { read: string[], write: string[] }>
const created = new Map<string, string[]>()
/** `meta.nextCursor` values seen, per operation (a cursor belongs to its list and sort). */
const cursors = new Map<string, string[]>()
const etags: string[] = []

// ── JSON Schema → fast-check ─────────────────────────────────────────────────────────
function resolve (schema: Schema): Schema {
  let s = schema
  while (s && typeof s.$ref === 'string') {
    s = s.$ref.replace(/^#\//, '').split('/').reduce((node: any, part: string) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec)
  }
  return s ?? {}
}

const codePoints = (s: string) => [...s].length
const slugArb = fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,3}$/)
const urlArb = fc.tuple(fc.constantFrom('http', 'https'), fc.stringMatching(/^[a-z]{1,10}\.(example|test)$/), fc.stringMatching(/^(\/[a-z0-9]{1,8}){0,3}$/))
  .map(([scheme, host, path]) => `${scheme}://${host}${path}`)
const emailArb = fc.stringMatching(/^[a-z0-9]{1,12}@[a-z]{1,10}\.(example|test)$/)
// RFC 3339 allows leap seconds, any offset, lower-case letters and long fractions: the edges of JavaScript dates.
const EDGE_TIMES = ['2016-12-31T23:59:60Z', '1990-12-31T15:59:60-08:00', '0000-01-01T00:00:00+14:00', '9999-12-31T23:59:59.999-14:00',
  '1970-01-01T00:00:00Z', '2024-02-29T12:00:00+05:45', '2030-06-01t12:00:00z', '2030-06-01T12:00:00.123456789Z']
const timeArb = fc.oneof(
  { arbitrary: fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()), weight: 4 },
  { arbitrary: fc.constantFrom(...EDGE_TIMES), weight: 1 }
)

function textArb (min: number, max: number): fc.Arbitrary<string> {
  const cap = Math.min(max, Math.max(min, 60))
  return fc.oneof(
    { arbitrary: fc.string({ minLength: min, maxLength: cap }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: cap }), weight: 1 }
  ).filter((s) => codePoints(s) >= min && codePoints(s) <= max)
}

/** Backticked names in a parameter description after a label ("Sortable:", "One of:"). */
function namesAfter (description: string | undefined, label: string): string[] {
  const at = description?.indexOf(label) ?? -1
  if (!description || at < 0) return []
  return [...description.slice(at).split('.')[0].matchAll(/`(-?[A-Za-z]+)`/g)].map((m) => m[1])
}

function commaList (values: string[]): fc.Arbitrary<string> {
  return fc.subarray(values, { minLength: 1 }).map((v) => v.join(','))
}

/** Values that exist, for properties and parameters that refer to other rows. */
function hint (name: string, where: string): fc.Arbitrary<unknown> | null {
  const ids = (rows: { id: number }[]) => fc.constantFrom(...rows.map((r) => r.id))
  switch (name) {
    case 'authorId': return where === 'createKey' ? fc.constant(ann.id) : ids([ann, bob])
    case 'reassignTo': return ids([ann, bob])
    case 'categoryIds': return fc.subarray([news.id, local.id])
    case 'tagIds': return fc.subarray([harbour.id, ships.id])
    case 'parentId': return where.includes('omment') ? fc.constant(parentComment) : ids([news, local])
    case 'author': return commaList(fixtures.authors.read)
    case 'category': return commaList(fixtures.categories.read)
    case 'tag': return commaList(fixtures.tags.read)
    case 'article': return commaList(fixtures.articles.read)
    case 'parent': return fc.constantFrom('root', ...fixtures.categories.read)
    case 'cursor': case 'since': return cursors.get(where)?.length ? fc.constantFrom(...cursors.get(where)!) : null
    case 'url': return fc.stringMatching(/^[a-z0-9]{1,12}$/).map((path) => `${sinkUrl}/${path}`)
    case 'page': return fc.integer({ min: 1, max: 3 })
    case 'q': return fc.constantFrom('fuzz', 'ships', 'harb', 'story intro', 'Ann', 'fu')
    case 'if-match': return etags.length ? fc.oneof(fc.constant('*'), fc.constantFrom(...etags)) : fc.constant('*')
    default: return null
  }
}

function valid (schema: Schema, name: string | null, where: string, description?: string): fc.Arbitrary<unknown> {
  const s = resolve(schema)
  const hinted = name === null ? null : hint(name, where)
  // Only the local sink as a URL that something may POST to.
  if (name === 'url' && hinted) return hinted
  const generic = genericValid(s, where, name, description ?? s.description)
  return hinted ? fc.oneof({ arbitrary: hinted, weight: 4 }, { arbitrary: generic, weight: 1 }) : generic
}

function genericValid (s: Schema, where: string, name: string | null, description?: string): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const)
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum)
  const alternatives = s.anyOf ?? s.oneOf
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((a: Schema) => valid(a, name, where, description)))
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type: string) => genericValid({ ...s, type }, where, name, description)))
  switch (s.type) {
    case 'null': return fc.constant(null)
    case 'boolean': return fc.boolean()
    case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -1000, -(2 ** 31)), max: Math.min(s.maximum ?? 1_000_000, 2 ** 31) })
    case 'number': return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true })
    case 'string': return stringValid(s, name, description)
    case 'array': {
      const items = valid(s.items ?? {}, null, where)
      const constraints = { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) }
      return s.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(items, constraints)
    }
    case 'object': return objectValid(s, where)
    default: return s.properties ? objectValid(s, where) : fc.jsonValue({ maxDepth: 2 })
  }
}

function stringValid (s: Schema, name: string | null, description?: string): fc.Arbitrary<string> {
  const min = s.minLength ?? 0
  const max = s.maxLength ?? 1000
  const fits = (v: string) => codePoints(v) >= min && codePoints(v) <= max
  if (name === 'sort') {
    const sortable = namesAfter(description, 'Sortable:')
    if (sortable.length) return fc.subarray(sortable, { minLength: 1 }).chain((names) => fc.tuple(...names.map((n) => fc.constantFrom(n, `-${n}`)))).map((parts) => parts.join(','))
  }
  if (name === 'fields') {
    const names = namesAfter(description, 'One of:')
    if (names.length) return commaList(names)
  }
  if (s.format === 'date-time') return timeArb
  if (s.format === 'email') return emailArb.filter(fits)
  if (s.format === 'uri' || s.pattern === '^https?://') return urlArb.filter(fits)
  if (typeof s.pattern === 'string') {
    if (s.pattern.includes('(?=')) return slugArb.filter(fits)
    if (s.pattern === '\\S') return textArb(Math.max(min, 1), max).filter((v) => /\S/.test(v))
    return fc.stringMatching(new RegExp(s.pattern)).filter(fits)
  }
  return textArb(min, max)
}

function objectValid (s: Schema, where: string): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = s.properties ?? {}
  const required: string[] = s.required ?? []
  const record = fc.record(Object.fromEntries(Object.entries(properties).map(([key, prop]) => [key, valid(prop, key, where)])), { requiredKeys: required })
  let arb: fc.Arbitrary<Record<string, unknown>> = record
  const extra = s.additionalProperties
  if (extra && typeof extra === 'object') {
    const keys = s.propertyNames?.pattern ? fc.stringMatching(new RegExp(s.propertyNames.pattern)) : fc.string({ minLength: 1, maxLength: 20 })
    const dictionary = fc.dictionary(keys.filter((k) => !(k in properties)), valid(extra, null, where), { maxKeys: Math.min(s.maxProperties ?? 3, 3) })
    arb = fc.tuple(record, dictionary).map(([r, d]) => ({ ...d, ...r }))
  }
  if (s.minProperties) arb = arb.filter((o) => Object.keys(o).length >= s.minProperties)
  return arb
}

// ── what a hostile or careless client sends ──────────────────────────────────────────
const HUGE = 'x'.repeat(100_000)
const evilJson = fc.constantFrom<unknown>(
  null, true, false, 0, -1, 0.5, -0.5, 1e308, -1e308, 2 ** 64, 2 ** 53 + 1, 99999999999999999999,
  '', ' ', '\t\n', HUGE, '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '🦄'.repeat(40), 'e\u0301\u0301\u0301', '\u202e\u200b',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' OR 1=1 --", '../../etc/passwd', 'javascript:alert(1)',
  'NaN', 'Infinity', '1', 'true', 'null', '2016-12-31T23:59:60Z', '0000-01-01T00:00:00+14:00', '9999-12-31T23:59:59.999-14:00',
  [], [null], [1, 1], ['a'], [HUGE], {}, { a: 1 }, { $ref: '#' }, { __proto__: { polluted: 1 } }
)
const evilFragment = fc.oneof(
  fc.constantFrom(
    '', '0', '-1', '1.5', '-0', '1e308', '1e3', '0x10', '18446744073709551616', '99999999999999999999', 'abc', 'A', 'true', 'null', 'NaN',
    'Infinity', '-Infinity', '1e400', '-1e400',
    '%00', 'a%00b', '%zz', '%', '%C0%AF', '%ED%A0%80', '%F0%9F%A6%84', '%EF%BF%BF', 'a+b', 'a%20b', '..%2f', '..%2f..%2fetc%2fpasswd',
    '%2e%2e', ',', ',,', '-', '--', '-a', 'a--b', 'a-', '%2C1', '1,,2', 'any,draft', '%5B%5D', 'x'.repeat(121), HUGE, '%E2%80%AE'
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }).map(encodeURIComponent)
)
const evilPath = fc.constantFrom('0', '-1', '99999999999999999999', '%00', '..%2f', 'a%20b', '1.5', 'A', 'a--b', '-a', 'x'.repeat(121), 'x'.repeat(300),
  '%zz', '%', '%F0%9F%A6%84', '1e3', '00', '007', '%2e%2e', 'null', '18446744073709551616', '9'.repeat(120))

/** Turns a decoded value into what a client puts on the wire. */
function wire (value: unknown): string {
  try { return encodeURIComponent(String(value)) } catch { return encodeURIComponent(String(value).replace(/[\ud800-\udfff]/g, '?')) }
}

function collectionOf (path: string): string {
  return path.split('/')[2] ?? ''
}

/** A path value that exists (or is fresh), respecting that fixtures are never deleted. */
function pathValue (op: Operation, param: Parameter): fc.Arbitrary<string> {
  // /v1/articles/{key}/comments addresses the article; /v1/comments/{id} the comment.
  const collection = collectionOf(op.path)
  const own = created.get(collection) ?? []
  const pool = fixtures[collection] ?? { read: [], write: [] }
  const nonexistent = fc.integer({ min: 1_000_000, max: 2 ** 40 }).map(String)
  let known: string[]
  if (op.method === 'DELETE') known = own
  else if (op.method === 'PATCH') known = [...pool.write, ...own]
  else if (op.path.endsWith('/comments') && op.method === 'POST') known = [String(anchor.id), anchor.slug, String(annDraft.id)]
  else known = [...pool.read, ...own]
  const options: fc.WeightedArbitrary<string>[] = [{ arbitrary: nonexistent, weight: 1 }]
  if (known.length) options.push({ arbitrary: fc.constantFrom(...known), weight: 4 })
  if (op.method !== 'DELETE') options.push({ arbitrary: stringValid(resolve(param.schema), param.name).map(wire), weight: 1 })
  return fc.oneof(...options)
}

function callerArb (invalid: boolean): fc.Arbitrary<CallerName> {
  // Weighted towards keys that may do most, so that valid requests reach the handlers.
  const callers: CallerName[] = ['anonymous', 'anonymous', 'author', 'author', 'editor', 'editor', 'admin', 'admin', 'admin']
  return invalid ? fc.constantFrom(...callers, 'bad-token', 'malformed-auth') : fc.constantFrom(...callers)
}

function validRequest (op: Operation): fc.Arbitrary<Req> {
  const path = fc.record(Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, pathValue(op, p)])))
  // A few query parameters at a time (the required ones always); `cursor` and `page` exclude each other.
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  const optional = queryParams.filter((p) => !p.required)
  const query = fc.subarray(optional, { maxLength: Math.min(4, optional.length) })
    .chain((chosen) => fc.tuple(...[...queryParams.filter((p) => p.required), ...chosen]
      .map((p) => valid(p.schema, p.name, op.operationId, p.description).map((v) => [p.name, wire(v)] as [string, string]))))
    .map((pairs) => pairs.some(([k]) => k === 'cursor') ? pairs.filter(([k]) => k !== 'page') : pairs)
  const headerParams = op.parameters.filter((p) => p.in === 'header')
  // Optional headers (If-Match) now and then: a stale one is a 412 before anything else is looked at.
  const headers = fc.tuple(...headerParams.map((p) => fc.oneof(
    { arbitrary: fc.constant(undefined), weight: p.required ? 0 : 3 },
    { arbitrary: valid(p.schema, p.name, op.operationId).map((v) => [p.name, String(v)] as const), weight: 1 }
  ))).map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)))
  const body = op.body ? valid(op.body, null, op.operationId).map((b) => JSON.stringify(b)) : fc.constant(undefined)
  return fc.record({ caller: callerArb(false), path, query, headers, payload: body })
    .map((r) => ({ ...r, headers: r.headers as Record<string, string>, note: 'valid' }))
}

type Mutation = (req: Req) => fc.Arbitrary<Req>

function invalidRequest (op: Operation): fc.Arbitrary<Req> {
  const mutations: fc.Arbitrary<Mutation>[] = []
  const pathParams = op.parameters.filter((p) => p.in === 'path')
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name)
  const bodySchema = op.body ? resolve(op.body) : null
  const propertyNames = bodySchema?.properties ? Object.keys(bodySchema.properties) : []
  const required: string[] = bodySchema?.required ?? []

  if (pathParams.length) {
    mutations.push(fc.tuple(fc.constantFrom(...pathParams.map((p) => p.name)), evilPath)
      .map(([name, value]) => (req: Req) => fc.constant({ ...req, path: { ...req.path, [name]: value }, note: `path ${name}=${value.slice(0, 40)}` })))
  }
  // Query: a known or unknown parameter with a bad value, or a parameter given twice.
  mutations.push(fc.tuple(fc.constantFrom(...queryNames, 'unknown', 'page', 'perPage', 'cursor', 'sort', 'fields'), evilFragment, fc.boolean())
    .map(([name, value, twice]) => (req: Req) => fc.constant({
      ...req,
      query: twice ? [...req.query, [name, value], [name, '1']] : [...req.query.filter(([k]) => k !== name), [name, value]],
      note: `query ${name}=${value.slice(0, 40)}${twice ? ' (twice)' : ''}`
    })))
  mutations.push(fc.constantFrom('cursor', 'sort', 'fields').chain((name) => fc.constantFrom(
    'W10', 'WyJ4Il0', 'eyJhIjoxfQ', 'bnVsbA', 'WyItcHVibGlzaGVkQXQiLHt9LDFd', 'WyItcHVibGlzaGVkQXQiLDEsMiwzXQ', '!!!!', 'id,id', 'title,-title',
    '-', ',', 'body,body', 'password', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'id,,id'
  ).map((value) => (req: Req) => fc.constant({ ...req, query: [...req.query.filter(([k]) => k !== name), [name, value]], note: `query ${name}=${value}` }))))
  mutations.push(fc.constantFrom<[string, string]>(
    ['if-match', '"nope"'], ['if-match', ''], ['if-match', 'W/"x", *'], ['if-none-match', '*'], ['if-none-match', '"x"'],
    ['authorization', 'Bearer'], ['authorization', 'Bearer ' + 'x'.repeat(300)], ['authorization', 'Basic YTpi'], ['authorization', `Bearer ${admin} extra`],
    ['accept-encoding', 'br;q=0, gzip;q=1, *;q=0'], ['accept', 'text/html'], ['content-type', 'application/json; charset=utf-16']
  ).map(([name, value]) => (req: Req) => fc.constant({ ...req, headers: { ...req.headers, [name]: value }, note: `header ${name}: ${value.slice(0, 40)}` })))

  if (op.body) {
    mutations.push(evilJson.map((value) => (req: Req) => fc.constant({ ...req, payload: JSON.stringify(value), note: 'body is a non-object' })))
    mutations.push(fc.constantFrom('{', '{"title":', '[1,', 'nul', '\u0000', '', '{"a":1}{"b":2}', '{"title":"x","title":"y"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\ufeff{}', ' '.repeat(1000))
      .map((raw) => (req: Req) => fc.constant({ ...req, payload: raw, note: `raw body ${JSON.stringify(raw.slice(0, 30))}` })))
    mutations.push(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-seq', '')
      .map((type) => (req: Req) => fc.constant({ ...req, headers: { ...req.headers, 'content-type': type }, note: `content-type ${type}` })))
    mutations.push(fc.constant((req: Req) => fc.constant({ ...req, payload: JSON.stringify({ title: 'x'.repeat(1_100_000) }), note: 'body over 1 MiB' })))
    const properties = fc.constantFrom(...propertyNames, 'unknown', 'id', 'createdAt', 'token', 'role', '__proto__', 'constructor')
    mutations.push(fc.tuple(properties, evilJson).map(([name, value]) => (req: Req) => fc.constant(
      { ...req, payload: withProperty(req.payload, name, value), note: `body .${name} = ${JSON.stringify(value)?.slice(0, 40)}` })))
    if (required.length) {
      mutations.push(fc.constantFrom(...required).map((name) => (req: Req) => fc.constant({ ...req, payload: withoutProperty(req.payload, name), note: `body without ${name}` })))
    }
  } else if (op.method !== 'GET') {
    mutations.push(fc.constant((req: Req) => fc.constant({ ...req, payload: '{"unexpected":true}', headers: { ...req.headers, 'content-type': 'application/json' }, note: 'a body where none is expected' })))
  }
  return fc.tuple(validRequest(op), callerArb(true), fc.oneof(...mutations))
    .chain(([req, caller, mutate]) => mutate({ ...req, caller }))
}

function withProperty (payload: string | undefined, name: string, value: unknown): string {
  const body = safeParse(payload)
  // Through the text, so that "__proto__" is a real own key on the wire.
  const rest = JSON.stringify(body).slice(1, -1)
  return `{${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}${rest ? ',' + rest : ''}}`
}

function withoutProperty (payload: string | undefined, name: string): string {
  const body = safeParse(payload)
  delete body[name]
  return JSON.stringify(body)
}

function safeParse (payload: string | undefined): Record<string, unknown> {
  try {
    const body = JSON.parse(payload ?? '{}')
    return body && typeof body === 'object' && !Array.isArray(body) ? body : {}
  } catch { return {} }
}

// ── sending and judging ─────────────────────────────────────────────────────────────
function urlOf (op: Operation, req: Req): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => req.path[name] ?? '')
  const query = req.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')
  return query ? `${path}?${query}` : path
}

function describe (op: Operation, req: Req, url: string): string {
  return `${op.method} ${url.slice(0, 300)} as ${req.caller} (${req.note})` +
    (Object.keys(req.headers).length ? ` headers ${JSON.stringify(req.headers).slice(0, 200)}` : '') +
    (req.payload !== undefined ? ` body ${req.payload.slice(0, 300)}` : '')
}

function remember (op: Operation, res: LightMyRequestResponse) {
  if (res.statusCode >= 300) return
  const location = res.headers.location
  if (res.statusCode === 201 && typeof location === 'string') {
    const [, , collection, id] = location.split('/')
    if (!created.has(collection)) created.set(collection, [])
    created.get(collection)!.push(id)
  }
  const etag = res.headers.etag
  if (typeof etag === 'string' && etags.length < 50) etags.push(etag)
  if (op.method === 'GET') {
    try {
      const next = JSON.parse(res.body)?.meta?.nextCursor
      const seen = cursors.get(op.operationId) ?? []
      if (typeof next === 'string' && seen.length < 20) cursors.set(op.operationId, [...seen, next])
    } catch {}
  }
}

const statuses = new Map<string, Map<number, number>>()

/** The response with its body decompressed, when the client asked for gzip or brotli and got it. */
function decoded (res: LightMyRequestResponse): LightMyRequestResponse {
  const encoding = res.headers['content-encoding']
  if (encoding !== 'gzip' && encoding !== 'br') return res
  const body = (encoding === 'gzip' ? gunzipSync : brotliDecompressSync)(res.rawPayload).toString('utf8')
  return { statusCode: res.statusCode, headers: res.headers, body, rawPayload: Buffer.from(body) } as LightMyRequestResponse
}

/** What the schema cannot say: an article answered as published or scheduled has a time. */
function articleInvariants (res: LightMyRequestResponse): string[] {
  const data = res.body ? safeParse(res.body).data : undefined
  const items = (Array.isArray(data) ? data : [data]) as Record<string, unknown>[]
  return items.filter((item) => item && (item.status === 'published' || item.status === 'scheduled') && 'publishedAt' in item && typeof item.publishedAt !== 'string')
    .map((item) => `article ${String(item.id)} is ${String(item.status)} with publishedAt ${String(item.publishedAt)}`)
}

async function send (op: Operation, req: Req): Promise<void> {
  const url = urlOf(op, req)
  const headers: Record<string, string> = { ...req.headers }
  const token = tokens[req.caller]
  if (token && !('authorization' in headers)) headers.authorization = `Bearer ${token}`
  if (req.caller === 'malformed-auth' && !('authorization' in headers)) headers.authorization = 'Token abc'
  if (req.payload !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json'
  if (headers['content-type'] === '') delete headers['content-type']
  const res = decoded(await app.inject({ method: op.method as 'GET', url, headers, payload: req.payload }))
  if (process.env.FUZZ_DEBUG === op.operationId) console.error(res.statusCode, describe(op, req, url), res.statusCode === 400 ? res.body.slice(90, 260) : '')
  const tally = statuses.get(op.operationId)!
  tally.set(res.statusCode, (tally.get(res.statusCode) ?? 0) + 1)
  remember(op, res)

  const problems: string[] = []
  const type = String(res.headers['content-type'] ?? '')
  if (res.statusCode >= 500) problems.push(`answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
  if (res.statusCode >= 400 && !type.startsWith('application/problem+json')) problems.push(`answered ${res.statusCode} as "${type}", not application/problem+json`)
  if (res.statusCode >= 400 && type.startsWith('application/problem+json')) {
    const body = safeParse(res.body)
    if (body.status !== res.statusCode) problems.push(`problem status ${String(body.status)} but HTTP ${res.statusCode}`)
    if (/\bat .+:\d+:\d+|SQLITE|sqlite|select .+ from/i.test(res.body)) problems.push(`error body shows internals: ${res.body.slice(0, 300)}`)
  }
  if (res.statusCode < 500 && res.statusCode !== 304) problems.push(...checker.check(op.method, url, res))
  if (res.statusCode >= 200 && res.statusCode < 300) problems.push(...articleInvariants(res))
  if (problems.length) throw new Error(`${describe(op, req, url)}\n  → ${problems.join('\n  → ')}`)
}

// ── one property per operation and kind ──────────────────────────────────────────────
const operations: Operation[] = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    operationId: op.operationId,
    parameters: op.parameters ?? [],
    body: op.requestBody?.content?.['application/json']?.schema ?? null
  })))

// Operations a schema-valid request from an admin, editor or author can succeed on: the
// generators above must reach a 2xx on each, or they are not exercising the handler.
const MUST_SUCCEED = [
  'listArticles', 'createArticle', 'getArticle', 'updateArticle', 'deleteArticle', 'listArticleComments', 'createComment',
  'listComments', 'getComment', 'moderateComment', 'deleteComment', 'listAuthors', 'createAuthor', 'getAuthor', 'updateAuthor',
  'deleteAuthor', 'listCategories', 'createCategory', 'getCategory', 'updateCategory', 'deleteCategory', 'listTags', 'createTag',
  'getTag', 'updateTag', 'deleteTag', 'listKeys', 'createKey', 'getKey', 'revokeKey',
  'listChanges', 'listWebhooks', 'createWebhook', 'getWebhook', 'updateWebhook', 'deleteWebhook', 'listWebhookDeliveries', 'pingWebhook'
]

t.ok(operations.length >= 30, `the spec lists ${operations.length} operations`)

// Real cursors for every list, from a first page of one item, before fuzzing starts.
for (const op of operations.filter((o) => o.method === 'GET' && o.parameters.some((p) => p.name === 'cursor' || p.name === 'since'))) {
  const url = op.path.replace(/\{[^}]+\}/g, String(anchor.id)) + '?perPage=1'
  for (const token of [undefined, admin]) remember(op, await app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} }))
}

for (const op of operations) {
  t.test(`${op.operationId}: ${op.method} ${op.path}`, async (t) => {
    statuses.set(op.operationId, new Map())
    for (const [kind, arb] of [['valid', () => validRequest(op)], ['invalid', () => invalidRequest(op)]] as const) {
      // Built lazily: the pools of created ids, cursors and ETags grow as operations run.
      const property = fc.asyncProperty(arb(), (req) => send(op, req))
      const result = await fc.check(property)
      t.notOk(result.failed, `${kind} requests: ${result.numRuns} runs` + (result.failed ? `\n${(result.errorInstance as Error)?.message ?? String(result.errorInstance)}\n(seed ${result.seed}, path ${result.counterexamplePath})` : ''))
    }
    const tally = [...statuses.get(op.operationId)!.entries()].sort(([a], [b]) => a - b)
    t.comment(`${op.operationId} statuses: ${tally.map(([s, n]) => `${s}×${n}`).join(' ')}`)
    if (MUST_SUCCEED.includes(op.operationId)) {
      t.ok(tally.some(([s]) => s >= 200 && s < 300), `${op.operationId}: some generated request succeeded`)
    }
  })
}

t.test('RFC 3339 edge times are a 400 naming the field, or kept as the same instant', async (t) => {
  for (const time of EDGE_TIMES) {
    const ms = Date.parse(time)
    const representable = Number.isFinite(ms) && new Date(ms).getUTCFullYear() >= 0 && new Date(ms).getUTCFullYear() <= 9999
    const created = await call(app, { method: 'POST', url: '/v1/articles', token: admin, payload: { title: `Edge ${time}`, authorId: bob.id, status: 'published', publishedAt: time } })
    if (representable) t.equal(created.json?.data?.publishedAt, new Date(ms).toISOString(), `${time} is kept`)
    else t.same([created.status, [...new Set(created.json?.errors?.map((e: any) => e.path))]], [400, ['/publishedAt']], `${time} is a 400`)
    const listed = await call(app, { url: `/v1/articles?publishedAfter=${encodeURIComponent(time)}` })
    if (representable) t.equal(listed.status, 200, `publishedAfter=${time}`)
    else t.same([listed.status, listed.json?.errors?.map((e: any) => e.path)], [400, ['/query/publishedAfter']], `publishedAfter=${time} is a 400`)
  }
})

t.test('non-finite numbers in a query are a 400 naming the parameter', async (t) => {
  // Coerced from text, `Infinity` and `1e400` are the number Infinity: it passes `integer`
  // and `maximum` unless numbers must be finite.
  const integers = operations.flatMap((op) => op.method !== 'GET'
    ? []
    : op.parameters.filter((p) => p.in === 'query' && ['integer', 'number'].includes(resolve(p.schema).type)).map((p) => ({ op, name: p.name })))
  t.ok(integers.length >= 15, `${integers.length} integer query parameters`)
  // What makes Infinity fail (app.ts, strictBodyValidator): every number in a query or path has a maximum.
  for (const op of operations) {
    for (const p of op.parameters.filter((p) => p.in !== 'header' && ['integer', 'number'].includes(resolve(p.schema).type))) {
      t.type(resolve(p.schema).maximum, 'number', `${op.operationId} ${p.name} has a maximum`)
    }
  }
  for (const { op, name } of integers) {
    const url = op.path.replace(/\{[^}]+\}/g, String(anchor.id))
    for (const value of ['Infinity', '-Infinity', '1e400', 'NaN']) {
      const res = await call(app, { url: `${url}?${name}=${value}`, token: admin })
      t.same([res.status, res.json?.errors?.map((e: any) => e.path)], [400, [`/query/${name}`]], `${op.operationId} ${name}=${value}`)
    }
  }
  const reassign = await call(app, { method: 'DELETE', url: `/v1/authors/${bob.id}?reassignTo=Infinity`, token: admin })
  t.same([reassign.status, reassign.json?.errors?.map((e: any) => e.path)], [400, ['/query/reassignTo']], 'reassignTo=Infinity')
})

t.test('fixtures the fuzzer relies on are still there', async (t) => {
  t.equal((await call(app, { url: `/v1/articles/${anchor.id}` })).status, 200)
  t.equal((await call(app, { url: `/v1/authors/${ann.id}` })).status, 200)
  t.equal((await call(app, { url: '/v1/keys', token: admin })).status, 200, 'the admin key was not revoked')
})
