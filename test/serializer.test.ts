/**
 * src/lib/serializer.ts: the serializer's copy of a schema says `nullable: true` where the
 * schema says `anyOf: [X, null]` and `type: 'string'` beside an enum of strings, and
 * writes the same bytes as the schema itself did.
 */
import t from 'tap'
import { Type } from 'typebox'
import fastJsonStringify from 'fast-json-stringify'
import { buildSerializer, forSerializer, refTypes } from '../src/lib/serializer.js'
import { Many, Nullable, Ref, Timestamp } from '../src/lib/schemas.js'
import { ArticleListItemSchema } from '../src/articles/schemas.js'
import { build } from './helpers.js'

const Image = Type.Object({ url: Type.String(), alt: Type.String(), caption: Nullable(Type.String()) }, { $id: 'Image' })
const Item = Type.Object({
  subtitle: Nullable(Type.String({ description: 'kept' })),
  publishedAt: Nullable(Timestamp),
  image: Nullable(Type.Ref('Image')),
  count: Nullable(Type.Integer()),
  either: Type.Union([Type.String(), Type.Integer()]),
  status: Type.Enum(['draft', 'published']),
  mood: Nullable(Type.Enum(['calm', 'stormy'])),
  level: Type.Enum([1, 2, 3]),
  tags: Type.Array(Type.Object({ name: Type.String(), note: Nullable(Type.String()) }))
})
const schema = Type.Object({ data: Type.Array(Item) })

t.test('rewrites each two-option anyOf with null, keeping its siblings, and leaves other unions alone', async (t) => {
  const copy = forSerializer(JSON.parse(JSON.stringify(schema)), (ref) => ref === 'Image' ? 'object' : undefined) as any
  const item = copy.properties.data.items
  t.same(item.properties.subtitle, { type: 'string', description: 'kept', nullable: true })
  t.same(item.properties.image, { $ref: 'Image', type: 'object', nullable: true }, 'a $ref takes its target\'s type, which Ajv needs beside nullable')
  const unknown = forSerializer(JSON.parse(JSON.stringify(schema))) as any
  t.ok(Array.isArray(unknown.properties.data.items.properties.image.anyOf), 'a $ref whose type is unknown stays an anyOf')
  t.equal(item.properties.publishedAt.nullable, true)
  t.equal(item.properties.publishedAt.format, 'date-time')
  t.ok(Array.isArray(item.properties.either.anyOf), 'a union without null stays an anyOf')
  t.equal(item.properties.tags.items.properties.note.nullable, true)
  t.same(item.properties.status, { enum: ['draft', 'published'], type: 'string' }, 'an enum of strings is a string')
  t.same(item.properties.mood, { enum: ['calm', 'stormy'], type: 'string', nullable: true }, 'a nullable enum of strings is a nullable string')
  t.equal(item.properties.level.type, undefined, 'an enum of numbers gets no type')
  t.equal((schema as any).properties.data.items.properties.status.type, undefined, 'nor does the schema itself')
  t.ok(Array.isArray((schema as any).properties.data.items.properties.subtitle.anyOf), 'the schema itself is not changed')
})

t.test('serializes the same bytes as the anyOf schema, null or not', async (t) => {
  const external = { Image: JSON.parse(JSON.stringify(Image)) }
  const plain = fastJsonStringify(JSON.parse(JSON.stringify(schema)), { schema: external })
  const rewritten = buildSerializer(external, {})({ schema: JSON.parse(JSON.stringify(schema)), method: 'GET', url: '/', httpStatus: '200' })
  const values = [
    { subtitle: 'A "quoted" line\n', publishedAt: '2026-11-27T10:00:00.000Z', image: { url: 'https://x.test/a.jpg', alt: 'Harbour', caption: null }, count: 3, either: 'one', status: 'draft', mood: 'calm', level: 2, tags: [{ name: 'Ferries', note: null }] },
    { subtitle: null, publishedAt: null, image: null, count: null, either: 2, status: 'published', mood: null, level: 1, tags: [] },
    { subtitle: 'é ✓ 😀', publishedAt: '2026-01-01T00:00:00.000Z', image: { url: 'u', alt: '', caption: 'c' }, count: 0, either: 'x', status: 'published', mood: 'stormy', level: 3, tags: [{ name: 'n', note: 'kept' }] }
  ]
  const page = { data: values }
  t.equal(rewritten(page), plain(page))
  t.same(JSON.parse(rewritten(page)), page)
})

t.test('no nullable anyOf and no untyped enum of strings is left in the serializer\'s copy of the app\'s schemas', async (t) => {
  const app = await build(t)
  const shared = JSON.parse(JSON.stringify(app.getSchemas())) as Record<string, Record<string, unknown>>
  const typeOf = refTypes(shared)
  const left: string[] = []
  const walk = (schema: unknown, at: string) => {
    if (Array.isArray(schema)) return schema.forEach((item, i) => walk(item, `${at}/${i}`))
    if (schema === null || typeof schema !== 'object') return
    const options = (schema as { anyOf?: Array<{ type?: string }> }).anyOf
    if (Array.isArray(options) && options.some((option) => option.type === 'null')) left.push(at)
    const { enum: values, type } = schema as { enum?: unknown[], type?: unknown }
    if (Array.isArray(values) && type === undefined) left.push(`${at} (enum)`)
    for (const [key, value] of Object.entries(schema)) walk(value, `${at}/${key}`)
  }
  for (const [id, schema] of Object.entries(shared)) walk(forSerializer(schema, typeOf), id)
  walk(forSerializer(JSON.parse(JSON.stringify(Many(Ref(ArticleListItemSchema)))), typeOf), 'Many(ArticleListItem)')
  t.same(left, [])
  t.ok(Object.keys(shared).length > 10, 'the shared schemas were walked')
})
