/**
 * Response serialization: fast-json-stringify, given a copy of each schema with two
 * rewrites that change no bytes for values that fit the schema.
 *
 * - **`nullable: true`** where a schema says `anyOf: [X, {type: 'null'}]` (our `Nullable`).
 *   fast-json-stringify writes an `anyOf` as "validate the value against each option with
 *   Ajv, then serialize it as the first that matches". For a nullable field that is an Ajv
 *   call per field per item: a `date-time` runs ajv-formats' date and time checks, a
 *   nullable featured image validates the whole object. On the latest-20 list that was 7%
 *   of a request's CPU. `nullable: true` (its OpenAPI 3.0 keyword) becomes `value === null`.
 * - **`type: 'string'`** beside an `enum` of strings (TypeBox's `Type.Enum` gives none).
 *   Without a type fast-json-stringify writes the value with `JSON.stringify`, which for
 *   the three enums of an article (status, bodyFormat, commentStatus) took ~14 µs of the
 *   ~70 µs a latest-20 page takes to serialize (medians of 15 alternating loops of 3,000).
 *
 * Only the serializer's copy changes: validation, the response checks in the tests and
 * the OpenAPI document keep the `anyOf` and the bare `enum`, which is what JSON Schema
 * 2020-12 says. A value that fits neither option (a number where a nullable string
 * belongs) used to fail serialization with a 500 and is now coerced as
 * fast-json-stringify coerces any value (`"5"`); the tests' response checks
 * (test/spec.ts) are what catch such a value.
 */
import { SerializerSelector, type RouteDefinition } from '@fastify/fast-json-stringify-compiler'

type Schema = Record<string, unknown>

const buildDefault = SerializerSelector()

export function buildSerializer (externalSchemas: Record<string, Schema>, options: Record<string, unknown>) {
  const external = externalSchemas ?? {}
  const typeOf = refTypes(external)
  const shared = Object.fromEntries(Object.entries(external).map(([id, schema]) => [id, forSerializer(schema, typeOf)]))
  const compile = buildDefault(shared, options)
  return (route: RouteDefinition) => compile({ ...route, schema: forSerializer(route.schema, typeOf) as RouteDefinition['schema'] })
}

/**
 * The `type` of the shared schema a `$ref` names. A target that says `nullable` or is a
 * union itself gives none, so its option stays an anyOf: fast-json-stringify merges
 * `nullable` across a $ref, and a target's `nullable: false` would print null as `{}`.
 */
export function refTypes (external: Record<string, Schema>): (ref: string) => unknown {
  return (ref) => {
    const target = external[ref.replace(/#$/, '')]
    return target === undefined || target.nullable !== undefined || target.anyOf !== undefined || target.oneOf !== undefined ? undefined : target.type
  }
}

/**
 * A copy of `schema` with each `enum` of strings given `type: 'string'`, and each
 * two-option `anyOf` of which one is `{type: 'null'}` made `nullable: true`.
 * fast-json-stringify still hands the whole schema to Ajv when some other union is left,
 * and Ajv takes `nullable` only beside a `type`: an option that is a `$ref` gets its
 * target's type (`typeOf`), and one whose type is unknown is left alone.
 */
export function forSerializer (schema: unknown, typeOf: (ref: string) => unknown = () => undefined): unknown {
  if (Array.isArray(schema)) return schema.map((item) => forSerializer(item, typeOf))
  if (schema === null || typeof schema !== 'object') return schema
  const copy: Schema = {}
  for (const [key, value] of Object.entries(schema)) copy[key] = forSerializer(value, typeOf)
  if (copy.type === undefined && Array.isArray(copy.enum) && copy.enum.length > 0 && copy.enum.every((value) => typeof value === 'string')) copy.type = 'string'
  const options = copy.anyOf
  if (!Array.isArray(options) || options.length !== 2) return copy
  const nullAt = options.findIndex((option) => isSchema(option) && option.type === 'null' && Object.keys(option).length === 1)
  const other = options[1 - nullAt]
  if (nullAt < 0 || !isSchema(other) || other.anyOf !== undefined || other.oneOf !== undefined || other.nullable !== undefined) return copy
  const type = typeof other.$ref === 'string' ? typeOf(other.$ref) : other.type
  if (typeof type !== 'string') return copy
  const { anyOf, ...siblings } = copy
  return { ...siblings, ...other, type, nullable: true }
}

function isSchema (value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
