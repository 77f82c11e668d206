/**
 * Small lookups shared by the resource query modules (data layer only: routes never
 * import this).
 */
import { getTableName, sql, type SQL } from 'drizzle-orm'
import { allRows, columnName, fragment, scalar, type Fragment } from './raw.js'
import { Conflict } from '../lib/errors.js'
import { slugify, uniqueSlug } from '../lib/slug.js'
import { likePrefix } from '../lib/fold.js'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Queryable } from './client.js'

interface Keyed { id: SQLiteColumn, slug: SQLiteColumn }

/**
 * Ids of the rows named by ids or slugs; unknown keys are simply absent. Every filtered
 * article list starts here, so it is one hand-written statement (src/db/raw.ts).
 */
export function idsForKeys (db: Queryable, table: SQLiteTable & Keyed, keys: string[]): number[] {
  const ids = keys.filter((k) => /^\d+$/.test(k)).map(Number).filter(Number.isSafeInteger)
  const slugs = keys.filter((k) => !/^\d+$/.test(k))
  if (!ids.length && !slugs.length) return []
  const name = getTableName(table)
  return allRows(db, fragment(
    `select id from "${name}" where id in (select value from json_each(?)) or slug in (select value from json_each(?))`,
    JSON.stringify(ids), JSON.stringify(slugs)
  )).map(([id]) => id as number)
}

/** Which of `ids` do not exist in `table` (every write that names other rows asks). */
export function missingIds (db: Queryable, table: SQLiteTable & { id: SQLiteColumn }, ids: number[]): number[] {
  if (!ids.length) return []
  const found = new Set(allRows(db, fragment(
    `select id from "${getTableName(table)}" where id in (select value from json_each(?))`, JSON.stringify(ids)
  )).map(([id]) => id as number))
  return ids.filter((id) => !found.has(id))
}

export function slugTaken (db: Queryable, table: SQLiteTable & Keyed, slug: string, exceptId?: number): boolean {
  const id = scalar<number>(db, fragment(`select id from "${getTableName(table)}" where slug = ?`, slug))
  return id !== undefined && id !== exceptId
}

/**
 * The slug for a row: an explicit one must be free (409 otherwise); without one, a slug
 * is made from `text` (the title or name), with `-2`, `-3`… until it is free.
 */
export function chooseSlug (db: Queryable, table: SQLiteTable & Keyed, explicit: string | undefined, text: string, fallback: string, exceptId?: number): string {
  if (explicit !== undefined) {
    if (slugTaken(db, table, explicit, exceptId)) throw new Conflict(`The slug "${explicit}" is already taken`)
    return explicit
  }
  return uniqueSlug(slugify(text, fallback), (s) => slugTaken(db, table, s, exceptId))
}

/**
 * Names with a word starting with `q`, case and accents ignored (the stored folded name,
 * lib/fold.ts). A query without a letter or digit matches nothing.
 */
export function nameStartsWith (column: SQLiteColumn, q: string): SQL {
  const pattern = likePrefix(q)
  return pattern === null ? sql`0` : sql`${column} like ${pattern}`
}

/** nameStartsWith as SQL text, for hand-written statements (src/db/raw.ts). */
export function nameStartsWithText (column: SQLiteColumn, q: string): Fragment {
  const pattern = likePrefix(q)
  return pattern === null ? fragment('0') : fragment(`${columnName(column)} like ?`, pattern)
}
