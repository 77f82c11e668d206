import { sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { categories } from '../db/schema.js'

/** The categories and all their descendants (the tree is walked in one recursive query). */
export function descendantIds (db: Db, ids: number[]): number[] {
  if (!ids.length) return []
  const rows = db.all<{ id: number }>(sql`
    with recursive tree(id) as (
      select ${categories.id} from ${categories} where ${categories.id} in ${ids}
      union
      select c.id from ${categories} c join tree on c.parent_id = tree.id
    )
    select id from tree`)
  return rows.map((r) => r.id)
}
