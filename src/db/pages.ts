/**
 * One page of a single table's rows, for the hand-written list reads (src/db/raw.ts):
 * the rows after the cursor in the plan's order, and the count of every row that
 * matches the filter.
 */
import { allOf, allRows, fragment, limitText, scalar, whereText, type Fragment, type Reader } from './raw.js'
import { afterCursorText, finishPage, orderByText, window, type ListPlan, type Page } from '../lib/list.js'
import type { Queryable } from './client.js'

export function readPage<T extends object> (db: Queryable, table: string, reader: Reader<T>, plan: ListPlan, filter: Fragment | null): Page<T> {
  const where = allOf([filter, afterCursorText(plan)])
  const { limit, offset } = window(plan)
  const rows = allRows(db, fragment(
    `select ${reader.list} from ${table} where ${where.text} order by ${orderByText(plan)} ${limitText(limit)} offset ?`,
    ...where.params, offset
  )).map((values) => reader.read(values))
  // With nothing to filter the count has no WHERE at all (whereText): SQLite then counts
  // the b-tree (~3 µs for 5,000 tags) instead of stepping through every row (~75 µs).
  const counted = allOf([filter])
  const total = scalar<number>(db, fragment(`select count(*) from ${table} ${whereText(counted)}`, ...counted.params)) ?? 0
  return finishPage(plan, rows as Array<T & Record<string, unknown>>, total)
}
