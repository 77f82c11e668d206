/** Tag reads. */
import { eq, getTableColumns } from 'drizzle-orm'
import { nameStartsWithText } from '../db/lookups.js'
import { columnName, reader } from '../db/raw.js'
import { readPage } from '../db/pages.js'
import type { Db, Queryable } from '../db/client.js'
import { tags } from '../db/schema.js'
import { pickFields, planList, type ListSpec, type Page } from '../lib/list.js'
import { parseKey } from '../lib/slug.js'
import { iso } from '../lib/time.js'
import { tagListNames, type TagListQuery } from './schemas.js'

export type TagRow = typeof tags.$inferSelect
type ReadRow = Omit<TagRow, 'searchName'>

// The tag list (a site's tag cloud, a menu) is read on page views: its statements are
// hand-written (src/db/raw.ts), so the sort keys are SQL text.
const listSpec: ListSpec = {
  sortable: {
    name: { column: columnName(tags.name), key: 'name' },
    articleCount: { column: columnName(tags.articleCount), key: 'articleCount' },
    createdAt: { column: columnName(tags.createdAt), key: 'createdAt' }
  },
  defaultSort: tagListNames.defaultSort,
  id: { column: columnName(tags.id), key: 'id' },
  fields: tagListNames.fields
}

const { searchName, ...readColumns } = getTableColumns(tags)
const tagReader = reader<ReadRow>(readColumns)

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

export interface TagList { page: Page<Record<string, unknown>>, items: Record<string, unknown>[] }

export function listTags (db: Db, query: TagListQuery): TagList {
  const plan = planList(listSpec, query)
  const filter = query.q === undefined ? null : nameStartsWithText(tags.searchName, query.q)
  const page = readPage(db, 'tags', tagReader, plan, filter)
  const items = page.rows.map((row) => pickFields(toTag(row), plan.fields))
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
