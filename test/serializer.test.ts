/**
 * src/lib/serializer.ts: the serializer's copy of a schema says `nullable: true` where the
 * schema says `anyOf: [X, null]`, and writes the same bytes as the `anyOf` did.
 */
import t from 'tap'
import { Type } from 'typebox'
import fastJsonStringify from 'fast-json-stringify'
import { buildSerializer, nullableForSerializer } from '../src/lib/serializer.js'
import { Nullable, Timestamp } from '../src/lib/schemas.js'

const Image = Type.Object({ url: Type.String(), alt: Type.String(), caption: Nullable(Type.String()) }, { $id: 'Image' })
const Item = Type.Object({
  subtitle: Nullable(Type.String({ description: 'kept' })),
  publishedAt: Nullable(Timestamp),
  image: Nullable(Type.Ref('Image')),
  count: Nullable(Type.Integer()),
  either: Type.Union([Type.String(), Type.Integer()]),
  tags: Type.Array(Type.Object({ name: Type.String(), note: Nullable(Type.String()) }))
})
const schema = Type.Object({ data: Type.Array(Item) })

t.test('rewrites each two-option anyOf with null, keeping its siblings, and leaves other unions alone', async (t) => {
  const copy = nullableForSerializer(JSON.parse(JSON.stringify(schema)), (ref) => ref === 'Image' ? 'object' : undefined) as any
  const item = copy.properties.data.items
  t.same(item.properties.subtitle, { type: 'string', description: 'kept', nullable: true })
  t.same(item.properties.image, { $ref: 'Image', type: 'object', nullable: true }, 'a $ref takes its target\'s type, which Ajv needs beside nullable')
  const unknown = nullableForSerializer(JSON.parse(JSON.stringify(schema))) as any
  t.ok(Array.isArray(unknown.properties.data.items.properties.image.anyOf), 'a $ref whose type is unknown stays an anyOf')
  t.equal(item.properties.publishedAt.nullable, true)
  t.equal(item.properties.publishedAt.format, 'date-time')
  t.ok(Array.isArray(item.properties.either.anyOf), 'a union without null stays an anyOf')
  t.equal(item.properties.tags.items.properties.note.nullable, true)
  t.ok(Array.isArray((schema as any).properties.data.items.properties.subtitle.anyOf), 'the schema itself is not changed')
})

t.test('serializes the same bytes as the anyOf schema, null or not', async (t) => {
  const external = { Image: JSON.parse(JSON.stringify(Image)) }
  const plain = fastJsonStringify(JSON.parse(JSON.stringify(schema)), { schema: external })
  const rewritten = buildSerializer(external, {})({ schema: JSON.parse(JSON.stringify(schema)), method: 'GET', url: '/', httpStatus: '200' })
  const values = [
    { subtitle: 'A "quoted" line\n', publishedAt: '2026-11-27T10:00:00.000Z', image: { url: 'https://x.test/a.jpg', alt: 'Harbour', caption: null }, count: 3, either: 'one', tags: [{ name: 'Ferries', note: null }] },
    { subtitle: null, publishedAt: null, image: null, count: null, either: 2, tags: [] },
    { subtitle: 'é ✓ 😀', publishedAt: '2026-01-01T00:00:00.000Z', image: { url: 'u', alt: '', caption: 'c' }, count: 0, either: 'x', tags: [{ name: 'n', note: 'kept' }] }
  ]
  const page = { data: values }
  t.equal(rewritten(page), plain(page))
  t.same(JSON.parse(rewritten(page)), page)
})
