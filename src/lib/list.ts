/**
 * List behaviour written once: pagination (page or keyset cursor), sort, fields, links.
 * Each resource configures it with a ListSpec: which fields it sorts by, which fields a
 * client may ask for. Resources build their own filters and run their own queries; this
 * module only turns a validated querystring into ORDER BY / keyset WHERE / LIMIT / OFFSET
 * and a finished list into `meta`, `links`, `Link` and `X-Total-Count`.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { Type, type TProperties } from 'typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { FieldError } from './errors.js'
import { allOf, fragment, joinFragments, type Fragment } from '../db/raw.js'

export interface SortKey {
  /**
   * Column (or expression) the database orders by: a Drizzle column or SQL for lists built
   * with Drizzle, SQL text for hand-written statements (src/db/raw.ts).
   */
  column: SQLiteColumn | SQL | string
  /** Property holding the value on the row the resource's query returns. */
  key: string
  /** Ties are broken by id against this key's direction (relevance: equal ranks newest first). */
  reverseTies?: boolean
}

export interface ListSpec {
  sortable: Record<string, SortKey>
  defaultSort: string
  id: SortKey
  /** Top-level fields a client may name in `fields`. */
  fields: readonly string[]
}

export interface ListParams {
  page?: number
  perPage?: number
  cursor?: string
  sort?: string
  fields?: string
}

interface PlannedSort { name: string, key: SortKey, desc: boolean }

export interface ListPlan {
  sort: PlannedSort[]
  sortSignature: string
  perPage: number
  page: number | null
  after: unknown[] | null
  fields: Set<string> | null
}

export const MAX_PER_PAGE = 100
export const DEFAULT_PER_PAGE = 20

/** A querystring schema: every property optional, unknown ones rejected. */
export function queryObject<T extends TProperties> (properties: T) {
  return Type.Object(Type.Partial(Type.Object(properties)).properties, { additionalProperties: false })
}

/** What a list's documentation names: its sortable fields, default sort and fields. */
export interface ListNames { sortable: readonly string[], defaultSort: string, fields: readonly string[], sortNote?: string }

/** Querystring properties every list accepts; resources spread these into their schema. */
export function listQueryProperties (spec: ListNames) {
  return {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based page number; not combinable with `cursor`' }),
    perPage: Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: 'Items per page (1–100, default 20)' }),
    cursor: Type.String({ minLength: 1, maxLength: 1000, description: 'Opaque keyset cursor from `meta.nextCursor`; stable while items are inserted or deleted' }),
    sort: Type.String({
      minLength: 1,
      maxLength: 200,
      description: `Comma list of fields, \`-\` for descending; ties broken by id, in the direction of the last field. Sortable: ${spec.sortable.map((s) => `\`${s}\``).join(', ')}. Default \`${spec.defaultSort}\`.${spec.sortNote ? ` ${spec.sortNote}` : ''}`
    }),
    fields: Type.String({
      minLength: 1,
      maxLength: 500,
      description: `Comma list of top-level fields to return (\`id\` always comes back). One of: ${spec.fields.map((f) => `\`${f}\``).join(', ')}.`
    })
  }
}

export function planList (spec: ListSpec, params: ListParams): ListPlan {
  if (params.cursor !== undefined && params.page !== undefined) {
    throw new FieldError('/query/cursor', '`cursor` cannot be combined with `page`')
  }
  const sort = parseSort(spec, params.sort ?? spec.defaultSort)
  const sortSignature = sort.map((s) => (s.desc ? '-' : '') + s.name).join(',')
  const fields = params.fields === undefined ? null : parseFields(spec, params.fields)
  const after = params.cursor === undefined ? null : decodeCursor(params.cursor, sortSignature, sort.length)
  return {
    sort,
    sortSignature,
    perPage: params.perPage ?? DEFAULT_PER_PAGE,
    page: after === null ? (params.page ?? 1) : null,
    after,
    fields
  }
}

function parseSort (spec: ListSpec, raw: string): PlannedSort[] {
  const out: PlannedSort[] = []
  const seen = new Set<string>()
  for (const part of raw.split(',')) {
    const desc = part.startsWith('-')
    const name = desc ? part.slice(1) : part
    const key = Object.hasOwn(spec.sortable, name) ? spec.sortable[name] : undefined
    if (!key) {
      throw new FieldError('/query/sort', `Cannot sort by "${part}". Sortable fields: ${Object.keys(spec.sortable).join(', ')}`)
    }
    if (seen.has(name)) throw new FieldError('/query/sort', `"${name}" appears twice in sort`)
    seen.add(name)
    out.push({ name, key, desc })
  }
  // Ties are broken by id, in the direction of the last named field (or against it, for relevance).
  const last = out[out.length - 1]
  if (!seen.has('id')) out.push({ name: 'id', key: spec.id, desc: last.desc !== (last.key.reverseTies === true) })
  return out
}

function parseFields (spec: ListSpec, raw: string): Set<string> {
  const fields = new Set<string>(['id'])
  for (const name of raw.split(',')) {
    if (!spec.fields.includes(name)) {
      throw new FieldError('/query/fields', `Unknown field "${name}". Fields: ${spec.fields.join(', ')}`)
    }
    fields.add(name)
  }
  return fields
}

// A cursor is the sort it was made for plus the last row's sort values, base64url JSON.
// It carries no secret and no row data beyond values the caller already received.
function encodeCursor (signature: string, values: unknown[]): string {
  return Buffer.from(JSON.stringify([signature, ...values])).toString('base64url')
}

function decodeCursor (cursor: string, signature: string, length: number): unknown[] {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = null
  }
  if (!Array.isArray(decoded) || decoded.length !== length + 1 ||
      !decoded.slice(1).every((v) => v === null || typeof v === 'number' || typeof v === 'string')) {
    throw new FieldError('/query/cursor', 'Invalid cursor: use `meta.nextCursor` from a previous page')
  }
  if (decoded[0] !== signature) {
    throw new FieldError('/query/cursor', 'This cursor was made for another sort: keep the same `sort` while following cursors')
  }
  return decoded.slice(1)
}

function drizzleColumn (key: SortKey): SQLiteColumn | SQL {
  if (typeof key.column === 'string') throw new Error(`Sort key ${key.key} is SQL text: use orderByText/afterCursorText`)
  return key.column
}

function textColumn (key: SortKey): string {
  if (typeof key.column !== 'string') throw new Error(`Sort key ${key.key} is a Drizzle column: use orderBy/afterCursor`)
  return key.column
}

export function orderBy (plan: ListPlan): SQL[] {
  return plan.sort.map((s) => s.desc ? sql`${drizzleColumn(s.key)} desc` : sql`${drizzleColumn(s.key)} asc`)
}

export function orderByText (plan: ListPlan): string {
  return plan.sort.map((s) => `${textColumn(s.key)} ${s.desc ? 'desc' : 'asc'}`).join(', ')
}

/**
 * The rows after the cursor, in whatever SQL representation `parts` builds: a row-value
 * comparison when every direction agrees (index-friendly), else the expanded form.
 */
function cursorCondition<T> (plan: ListPlan, parts: {
  compare: (key: SortKey, op: '<' | '>' | '=', value: unknown) => T
  rowValues: (keys: SortKey[], op: '<' | '>', values: unknown[]) => T
  and: (items: T[]) => T
  or: (items: T[]) => T
}): T | undefined {
  if (plan.after === null) return undefined
  const values = plan.after
  const sameDirection = plan.sort.every((s) => s.desc === plan.sort[0].desc)
  if (sameDirection) return parts.rowValues(plan.sort.map((s) => s.key), plan.sort[0].desc ? '<' : '>', values)
  return parts.or(plan.sort.map((s, i) => parts.and([
    ...plan.sort.slice(0, i).map((p, j) => parts.compare(p.key, '=', values[j])),
    parts.compare(s.key, s.desc ? '<' : '>', values[i])
  ])))
}

/** WHERE for the rows after the cursor (Drizzle). */
export function afterCursor (plan: ListPlan): SQL | undefined {
  return cursorCondition<SQL>(plan, {
    compare: (key, op, value) => sql`${drizzleColumn(key)} ${sql.raw(op)} ${value}`,
    rowValues: (keys, op, values) => sql`(${sql.join(keys.map((k) => sql`${drizzleColumn(k)}`), sql`, `)}) ${sql.raw(op)} (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`,
    and: (items) => sql`(${sql.join(items, sql` and `)})`,
    or: (items) => sql`(${sql.join(items, sql` or `)})`
  })
}

/** WHERE for the rows after the cursor (SQL text). */
export function afterCursorText (plan: ListPlan): Fragment | undefined {
  return cursorCondition<Fragment>(plan, {
    compare: (key, op, value) => fragment(`${textColumn(key)} ${op} ?`, value),
    rowValues: (keys, op, values) => fragment(`(${keys.map(textColumn).join(', ')}) ${op} (${values.map(() => '?').join(', ')})`, ...values),
    and: (items) => { const f = joinFragments(items, ' and '); return fragment(`(${f.text})`, ...f.params) },
    or: (items) => { const f = joinFragments(items, ' or '); return fragment(`(${f.text})`, ...f.params) }
  })
}

/**
 * Whether a cursor condition can seek an index: every sort field goes one way (a
 * row-value comparison; a mixed sort's expanded OR cannot) and the first is a column,
 * not an expression.
 */
export function seeksFromCursor (plan: ListPlan): boolean {
  const first = plan.sort[0]
  return plan.sort.every((s) => s.desc === first.desc) && /^[a-z_]+\.[a-z_]+$/.test(textColumn(first.key))
}

/**
 * The WHERE of a page read after a cursor: the list's conditions, then the cursor's. SQLite
 * seeks the index to one bound of the first sort column, and given two on the same side
 * (the public's `live_at <= now`, `publishedBefore`, and the cursor) it may seek to the
 * other one and step over every row up to the cursor: 500 pages deep, ~1 ms against
 * ~0.05 ms. A `+` keeps those bounds out of the seek; each row read is still checked
 * against them. Not for a cursor that cannot seek: the other bound is then the only one.
 */
export function whereAfterCursor (plan: ListPlan, conditions: Fragment[]): Fragment {
  const cursor = afterCursorText(plan)
  if (cursor === undefined || !seeksFromCursor(plan)) return allOf([...conditions, cursor])
  const first = plan.sort[0]
  const column = textColumn(first.key)
  const sameSide = new RegExp(`(?<![\\w.+])${column.replace('.', '\\.')} (${first.desc ? '<=|<' : '>=|>'}) \\?`, 'g')
  return allOf([
    ...conditions.map((f) => {
      const text = f.text.replace(sameSide, `+${column} $1 ?`)
      return text === f.text ? f : fragment(text, ...f.params)
    }),
    cursor
  ])
}

export interface Window { limit: number, offset: number }

/** One extra row is fetched to learn whether a next page exists. */
export function window (plan: ListPlan): Window {
  return { limit: plan.perPage + 1, offset: plan.page === null ? 0 : (plan.page - 1) * plan.perPage }
}

export interface Page<Row> { rows: Row[], total: number, nextCursor: string | null, plan: ListPlan }

export function finishPage<Row extends Record<string, unknown>> (plan: ListPlan, fetched: Row[], total: number): Page<Row> {
  const more = fetched.length > plan.perPage
  const rows = more ? fetched.slice(0, plan.perPage) : fetched
  const last = rows[rows.length - 1]
  const nextCursor = more && last ? encodeCursor(plan.sortSignature, sortValues(plan, last)) : null
  return { rows, total, nextCursor, plan }
}

/** A row's values of the sort's keys: what a cursor after it holds. */
export function sortValues (plan: ListPlan, row: Record<string, unknown>): unknown[] {
  return plan.sort.map((s) => row[s.key.key])
}

/** Keeps only the fields asked for (`id` always). */
export function pickFields<T extends Record<string, unknown>> (item: T, fields: Set<string> | null): Partial<T> {
  if (fields === null) return item
  const out: Record<string, unknown> = {}
  for (const name of fields) if (name in item) out[name] = item[name]
  return out as Partial<T>
}

function withQuery (request: FastifyRequest, changes: Record<string, string | null>): string {
  // At the first `?`: the query may hold more of them (`q=why?`).
  const mark = request.url.indexOf('?')
  const path = mark === -1 ? request.url : request.url.slice(0, mark)
  const params = new URLSearchParams(mark === -1 ? '' : request.url.slice(mark + 1))
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) params.delete(name)
    else params.set(name, value)
  }
  const query = params.toString()
  return query ? `${path}?${query}` : path
}

/** Sends a list with `meta`, `links`, the RFC 8288 `Link` header and `X-Total-Count`. */
export function sendList<Item> (request: FastifyRequest, reply: FastifyReply, page: Page<unknown>, data: Item[]) {
  const { plan, total, nextCursor } = page
  const totalPages = Math.ceil(total / plan.perPage)
  let links: Record<'self' | 'first' | 'prev' | 'next' | 'last', string | null>
  const first = withQuery(request, { page: null, cursor: null })
  if (plan.page === null) {
    links = {
      self: request.url,
      first,
      prev: null,
      next: nextCursor ? withQuery(request, { cursor: nextCursor }) : null,
      last: null
    }
  } else {
    const at = (n: number) => withQuery(request, { page: n === 1 ? null : String(n), cursor: null })
    links = {
      self: request.url,
      first,
      prev: plan.page > 1 ? at(Math.min(plan.page - 1, Math.max(totalPages, 1))) : null,
      next: plan.page < totalPages ? at(plan.page + 1) : null,
      last: at(Math.max(totalPages, 1))
    }
  }
  // The same relations as `links` (the contract), `self` included.
  const header = Object.entries(links)
    .filter(([, url]) => url !== null)
    // `self` is the request's own URL: characters that would end the <…> are escaped.
    .map(([rel, url]) => `<${url!.replace(/[<>"\s]/g, encodeURIComponent)}>; rel="${rel}"`)
  if (header.length) reply.header('link', header.join(', '))
  reply.header('x-total-count', String(total))
  return reply.send({
    data,
    meta: { page: plan.page, perPage: plan.perPage, total, totalPages, nextCursor },
    links
  })
}
