/**
 * Hand-written statements for the reads behind every page view (the article list and
 * one article, with their embeds, its comments, the author profile, the tag list) and
 * for the writes and lookups made most often (an article create, reference and slug
 * checks, the API-key lookup). Drizzle builds each query anew on every call and maps
 * every value through its column classes; for these that cost as much as SQLite itself
 * or more (bench/README.md, "Where the time goes"). Here the SQL is plain text with `?`
 * parameters, its statement is prepared once (the client caches statements by text),
 * rows come back as arrays, and values are mapped with the Drizzle columns' own
 * `mapFromDriverValue` and `mapToDriverValue`, so JSON and boolean columns read and
 * write exactly as Drizzle reads and writes them.
 *
 * Only the data layer (query modules, `src/db/lookups.ts`) uses this; each statement is
 * the SQLite half of a query that a second backend would write in its own dialect.
 */
import { Column, getTableColumns, getTableName, sql, type Placeholder } from 'drizzle-orm'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Queryable } from './client.js'

/** A piece of SQL text and the values of its `?` parameters, in order. */
export interface Fragment { text: string, params: unknown[] }

export function fragment (text: string, ...params: unknown[]): Fragment {
  return { text, params }
}

export function joinFragments (parts: Fragment[], separator: string): Fragment {
  return { text: parts.map((p) => p.text).join(separator), params: concatLists(parts.map((p) => p.params)) }
}

/**
 * The lists one after another, as `lists.flat()` gives them. V8's generic flat and
 * flatMap are slow on the list path: ~12 µs for a page's 21 category or tag id lists
 * (~3% of a latest-20 request in perf) and ~1.3 µs for four fragments' parameters,
 * against ~0.7 and ~0.1 µs for this loop.
 */
export function concatLists<T> (lists: ReadonlyArray<readonly T[]>): T[] {
  const out: T[] = []
  for (const list of lists) {
    for (const value of list) out.push(value)
  }
  return out
}

/** `a and b and …` of the parts given (`1` when there are none). */
export function allOf (parts: Array<Fragment | null | undefined>): Fragment {
  const present = parts.filter((p): p is Fragment => p !== null && p !== undefined)
  return present.length ? joinFragments(present.map((p) => fragment(`(${p.text})`, ...p.params)), ' and ') : fragment('1')
}

type Client = import('better-sqlite3').Database

/**
 * The better-sqlite3 connection under Drizzle: `$client` on the database, the session's
 * client inside a transaction (the same connection, so the statement runs in it).
 */
function client (db: Queryable): Client {
  const handle = db as unknown as { $client?: Client, session?: { client?: Client } }
  const found = handle.$client ?? handle.session?.client
  if (!found) throw new Error('raw statements need a better-sqlite3 database or transaction')
  return found
}

/** Better-sqlite3 binds numbers, strings, bigints, buffers and null: booleans become 0/1. */
function bindable (params: unknown[]): unknown[] {
  return params.map((p) => typeof p === 'boolean' ? Number(p) : p)
}

export function allRows (db: Queryable, query: Fragment): unknown[][] {
  return client(db).prepare(query.text).raw(true).all(...bindable(query.params)) as unknown[][]
}

export function oneRow (db: Queryable, query: Fragment): unknown[] | undefined {
  return client(db).prepare(query.text).raw(true).get(...bindable(query.params)) as unknown[] | undefined
}

/**
 * `where …` for a condition, or nothing when it is `allOf([])`'s `1`: SQLite answers a
 * bare `count(*)` from the b-tree's page headers (~0.01 ms for 100,000 articles) but
 * steps through every row for `where 1` (~2.6 ms).
 */
export function whereText (condition: Fragment): string {
  return condition.text === '1' ? '' : `where ${condition.text}`
}

/**
 * `limit N`, the number written into the statement rather than bound. SQLite (3.53 here)
 * plans with a bound LIMIT's value, so binding one expires the statement and every run
 * prepares it again: ~20% of a list page's SQLite time (perf: 955 of 4,830 samples of
 * the latest list's statement in sqlite3Reprepare). A bound OFFSET does not. Limits are
 * validated page sizes plus one, so each is a statement text of its own (up to 101 per
 * list query, 501 for the change feed); the statement cache keeps the ones in use.
 */
export function limitText (limit: number): string {
  return `limit ${checkedLimit(limit)}`
}

/**
 * The same for a query Drizzle builds: `.limit(literalLimit(n))`. Drizzle binds a number
 * (and so expires the statement at every run) but writes SQL it is given into the text.
 */
export function literalLimit (limit: number): Placeholder {
  return sql.raw(String(checkedLimit(limit))) as unknown as Placeholder
}

function checkedLimit (limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`a limit is a non-negative integer, not ${limit}`)
  return limit
}

/** Runs a statement that writes; for an insert, `lastInsertRowid` is the id of the last row it inserted. */
export function runStatement (db: Queryable, query: Fragment): { changes: number, lastInsertRowid: number } {
  const result = client(db).prepare(query.text).run(...bindable(query.params))
  return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) }
}

/**
 * `insert into table (…) values (…), …` of rows keyed like the Drizzle table's properties
 * (every row with the same keys). Each value goes through its column's own
 * `mapToDriverValue` (JSON text, 0/1 booleans), as Drizzle's insert maps it. A column
 * left out takes the table's SQL DEFAULT, which the migrations generate from the
 * schema's `.default()`; a column whose default or update value Drizzle computes in
 * JavaScript (`$defaultFn`, `$onUpdate`) must be given. Returns the last row's id.
 * Used by the writes a publisher makes most (creating an article, its links), where
 * Drizzle building the statements was 10–15% of the request.
 */
export function insertRows (db: Queryable, table: SQLiteTable, rows: Array<Record<string, unknown>>): number {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>
  const keys = Object.keys(rows[0])
  const targets = keys.map((key) => {
    const column = columns[key]
    if (column === undefined) throw new Error(`${getTableName(table)} has no column for ${key}`)
    return column
  })
  for (const [key, column] of Object.entries(columns)) {
    if (!keys.includes(key) && (column.defaultFn !== undefined || column.onUpdateFn !== undefined)) {
      throw new Error(`${getTableName(table)}.${column.name}: its default is computed by Drizzle, so give a value`)
    }
  }
  const tuple = `(${keys.map(() => '?').join(', ')})`
  const params: unknown[] = []
  for (const row of rows) {
    targets.forEach((column, i) => {
      const value = row[keys[i]]
      // Drizzle would store its default for undefined; say so rather than store null.
      if (value === undefined) throw new Error(`${getTableName(table)}.${column.name}: no value (leave the key out for the default)`)
      params.push(value === null ? null : convertsWrites(column) ? column.mapToDriverValue(value) : value)
    })
  }
  return runStatement(db, fragment(
    `insert into "${getTableName(table)}" (${targets.map((c) => `"${c.name}"`).join(', ')}) values ${rows.map(() => tuple).join(', ')}`,
    ...params
  )).lastInsertRowid
}

/** The first column of the first row (for counts and aggregates). */
export function scalar<T> (db: Queryable, query: Fragment): T | undefined {
  return oneRow(db, query)?.[0] as T | undefined
}

/** `"table"."column"` for a Drizzle column. */
export function columnName (column: SQLiteColumn): string {
  return `"${getTableName(column.table)}"."${column.name}"`
}

/**
 * A select list made of Drizzle columns (and named SQL expressions), and the reader that
 * turns one array row, from `offset` on, into an object keyed like the Drizzle select.
 */
export interface Reader<T> { list: string, width: number, read: (values: unknown[], offset?: number) => T }

export function reader<T> (columns: Record<string, SQLiteColumn | string>): Reader<T> {
  const entries = Object.entries(columns)
  const mappers = entries.map(([, column]) => typeof column === 'string' || !convertsValues(column) ? null : column)
  // One object literal per row, built by a function made for these columns: every row
  // gets the same shape at once, and only the columns whose Drizzle type converts values
  // (JSON, booleans) call their mapper. Keys are column names from the code, never input.
  const properties = entries.map(([key], i) => {
    const value = `values[offset + ${i}]`
    return `${JSON.stringify(key)}: ${mappers[i] === null ? value : `${value} === null ? null : mappers[${i}].mapFromDriverValue(${value})`}`
  })
  // eslint-disable-next-line no-new-func
  const read = new Function('mappers', `return function read (values, offset = 0) {\n  return {\n    ${properties.join(',\n    ')}\n  }\n}`)(mappers) as Reader<T>['read']
  return {
    list: entries.map(([, column]) => typeof column === 'string' ? column : columnName(column)).join(', '),
    width: entries.length,
    read
  }
}

/** Whether a Drizzle column maps values for the driver (JSON text, 0/1 booleans) rather than passing them through. */
function convertsWrites (column: SQLiteColumn): boolean {
  return column.mapToDriverValue !== Column.prototype.mapToDriverValue
}

/** Whether a Drizzle column maps driver values (JSON text, 0/1 booleans) rather than passing them through. */
function convertsValues (column: SQLiteColumn): boolean {
  return column.mapFromDriverValue !== Column.prototype.mapFromDriverValue
}
