/** Tag reads. */
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { nameStartsWith } from '../db/lookups.js'
import type { Db, Queryable } from '../db/client.js'
import { tags } from '../db/schema.js'
import { afterCursor, finishPage, orderBy, pickFields, planList, window, type ListSpec, type Page } from '../lib/list.js'
import { parseKey } from '../lib/slug.js'
import { iso } from '../lib/time.js'
import { tagListNames, type TagListQuery } from './schemas.js'

export type TagRow = typeof tags.$inferSelect
type ReadRow = Omit<TagRow, 'searchName'>

const listSpec: ListSpec = {
  sortable: {
    name: { column: tags.name, key: 'name' },
    articleCount: { column: tags.articleCount, key: 'articleCount' },
    createdAt: { column: tags.createdAt, key: 'createdAt' }
  },
  defaultSort: tagListNames.defaultSort,
  id: { column: tags.id, key: 'id' },
  fields: tagListNames.fields
}

const { searchName, ...readColumns } = getTableColumns(tags)

/** The output mapper: fields in contract order. */
export function toTag (row: ReadRow): Record<string, unknown> {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    articleCount: row.articleCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt)
  }
}

/**
 * Names with a word starting with the query, ignoring case and accents (the stored
 * folded name, lib/fold.ts). A query without a letter or digit matches nothing.
 */

export interface TagList { page: Page<Record<string, unknown>>, items: Record<string, unknown>[] }

export function listTags (db: Db, query: TagListQuery): TagList {
  const plan = planList(listSpec, query)
  const where: SQL[] = []
  if (query.q !== undefined) where.push(nameStartsWith(tags.searchName, query.q))
  const filter = and(...where)
  const { limit, offset } = window(plan)
  const rows = db.select(readColumns).from(tags)
    .where(and(filter, afterCursor(plan)))
    .orderBy(...orderBy(plan))
    .limit(limit).offset(offset)
    .all()
  const total = db.select({ n: sql<number>`count(*)` }).from(tags).where(filter).get()?.n ?? 0
  const page = finishPage(plan, rows as Record<string, unknown>[], total)
  const items = (page.rows as unknown as ReadRow[]).map((row) => pickFields(toTag(row), plan.fields))
  return { page, items }
}

/** The row behind a route key (id or slug). */
export function findTagRow (db: Queryable, key: string): TagRow | undefined {
  const k = parseKey(key)
  return db.select().from(tags).where('id' in k ? eq(tags.id, k.id) : eq(tags.slug, k.slug)).get()
}

export function getTag (db: Queryable, key: string): Record<string, unknown> | undefined {
  const row = findTagRow(db, key)
  return row && toTag(row)
}
