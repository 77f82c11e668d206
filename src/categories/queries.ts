/**
 * Category reads. The categories form a tree through parentId; `descendantIds` walks it
 * (article filters use it so that a category matches its descendants' articles too).
 */
import { and, eq, getTableColumns, isNull, type SQL } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { categories } from '../db/schema.js'
import { idsForKeys, nameStartsWith } from '../db/lookups.js'
import { allRows, fragment } from '../db/raw.js'
import { finishPage, pickFields, planList, type ListSpec, type Page } from '../lib/list.js'
import { selectPage } from '../db/pages.js'
import { parseKey } from '../lib/slug.js'
import { iso } from '../lib/time.js'
import { categoryListNames, type CategoryListQuery } from './schemas.js'

export type CategoryRow = typeof categories.$inferSelect
type ReadRow = Omit<CategoryRow, 'searchName'>

/** The categories and all their descendants (the tree is walked in one recursive query). */
export function descendantIds (db: Queryable, ids: number[]): number[] {
  if (!ids.length) return []
  return allRows(db, fragment(`
    with recursive tree(id) as (
      select id from categories where id in (select value from json_each(?))
      union
      select c.id from categories c join tree on c.parent_id = tree.id
    )
    select id from tree`, JSON.stringify(ids))).map(([id]) => id as number)
}

const listSpec: ListSpec = {
  sortable: {
    name: { column: categories.name, key: 'name' },
    createdAt: { column: categories.createdAt, key: 'createdAt' },
    articleCount: { column: categories.articleCount, key: 'articleCount' }
  },
  defaultSort: categoryListNames.defaultSort,
  id: { column: categories.id, key: 'id' },
  fields: categoryListNames.fields
}

const { searchName, ...readColumns } = getTableColumns(categories)

/** The output mapper: fields in contract order. */
export function toCategory (row: ReadRow): Record<string, unknown> {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    parentId: row.parentId,
    articleCount: row.articleCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt)
  }
}

/** WHERE for the list filters; `null` when `parent` names no category, so the list is empty. */
function filters (db: Db, query: CategoryListQuery): SQL[] | null {
  const where: SQL[] = []
  if (query.parent === 'root') {
    where.push(isNull(categories.parentId))
  } else if (query.parent !== undefined) {
    const [parentId] = idsForKeys(db, categories, [query.parent])
    if (parentId === undefined) return null
    where.push(eq(categories.parentId, parentId))
  }
  if (query.q !== undefined) where.push(nameStartsWith(categories.searchName, query.q))
  return where
}

export interface CategoryList { page: Page<Record<string, unknown>>, items: Record<string, unknown>[] }

export function listCategories (db: Db, query: CategoryListQuery): CategoryList {
  const plan = planList(listSpec, query)
  const where = filters(db, query)
  if (where === null) return { page: finishPage(plan, [], 0), items: [] }
  const page = selectPage<Record<string, unknown>>(db, categories, plan, and(...where), readColumns)
  const items = (page.rows as unknown as ReadRow[]).map((row) => pickFields(toCategory(row), plan.fields))
  return { page, items }
}

/** The row behind a route key (id or slug). */
export function findCategoryRow (db: Queryable, key: string): CategoryRow | undefined {
  const k = parseKey(key)
  return db.select().from(categories).where('id' in k ? eq(categories.id, k.id) : eq(categories.slug, k.slug)).get()
}

export function getCategory (db: Queryable, key: string): Record<string, unknown> | undefined {
  const row = findCategoryRow(db, key)
  return row && toCategory(row)
}
