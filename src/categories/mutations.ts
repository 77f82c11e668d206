/**
 * Category writes, each in one transaction: a write that throws changes nothing.
 * The tree stays a tree: a parent must exist and a category cannot be its own ancestor.
 */
import { eq, inArray, sql } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { forgettingSummaries } from '../db/summaries.js'
import { articleCategories, articles, categories } from '../db/schema.js'
import { chooseSlug, missingIds } from '../db/lookups.js'
import { linkedIds, restampEmbedding, withoutArticleWebhooks, type Touched } from '../articles/mutations.js'
import { Conflict, FieldError, NotFound } from '../lib/errors.js'
import { searchName } from '../lib/fold.js'
import { now } from '../lib/time.js'
import { descendantIds } from './queries.js'
import type { CategoryCreate, CategoryUpdate } from './schemas.js'

type Tx = Queryable
type CategoryRow = typeof categories.$inferSelect


function existing (tx: Tx, id: number): CategoryRow {
  const row = tx.select().from(categories).where(eq(categories.id, id)).get()
  if (!row) throw new NotFound('Category')
  return row
}

function checkParentExists (tx: Tx, parentId: number | null | undefined) {
  if (parentId != null && missingIds(tx, categories, [parentId]).length) {
    throw new FieldError('/parentId', `category ${parentId} does not exist`)
  }
}

export function createCategory (db: Db, input: CategoryCreate): { id: number, touched: Partial<Touched> } {
  return db.transaction((tx) => {
    const at = now()
    checkParentExists(tx, input.parentId)
    const row = tx.insert(categories).values({
      slug: chooseSlug(tx, categories, input.slug, input.name, 'category'),
      name: input.name,
      searchName: searchName(input.name),
      description: input.description ?? null,
      parentId: input.parentId ?? null,
      createdAt: at,
      updatedAt: at
    }).returning({ id: categories.id }).get()
    return { id: row.id, touched: { categoryIds: [row.id] } }
  })
}

/** Changes what the input names; the slug stays unless a new one is given. */
export function updateCategory (db: Db, id: number, input: CategoryUpdate): Partial<Touched> {
  return forgettingSummaries(db, db.transaction((tx) => {
    const current = existing(tx, id)
    const changes: Partial<typeof categories.$inferInsert> = { updatedAt: Math.max(now(), current.updatedAt + 1) }
    if (input.name !== undefined) {
      changes.name = input.name
      changes.searchName = searchName(input.name)
    }
    if (input.slug !== undefined && input.slug !== current.slug) changes.slug = chooseSlug(tx, categories, input.slug, current.name, 'category', id)
    if (input.description !== undefined) changes.description = input.description
    if (input.parentId !== undefined) {
      checkParentExists(tx, input.parentId)
      // The new parent may not be the category itself or one of its descendants.
      if (input.parentId !== null && descendantIds(tx, [id]).includes(input.parentId)) {
        throw new Conflict(`Category ${input.parentId} is this category or one of its descendants: a category cannot be its own ancestor`)
      }
      changes.parentId = input.parentId
    }
    tx.update(categories).set(changes).where(eq(categories.id, id)).run()
    if ((changes.name ?? current.name) !== current.name || (changes.slug ?? current.slug) !== current.slug) restampEmbedding(tx, { categoryId: id }, changes.updatedAt!)
    return { categoryIds: [id] }
  }))
}

/**
 * Deletes a category: its children move up to its parent (or the root) and its articles
 * lose it (their updatedAt moves on, so that sync clients see the change).
 */
export function deleteCategory (db: Db, id: number): Partial<Touched> {
  return forgettingSummaries(db, db.transaction((tx) => {
    const at = now()
    const current = existing(tx, id)
    const childIds = tx.select({ id: categories.id }).from(categories).where(eq(categories.parentId, id)).all().map((r) => r.id)
    if (childIds.length) {
      tx.update(categories)
        .set({ parentId: current.parentId, updatedAt: sql`max(${at}, ${categories.updatedAt} + 1)` })
        .where(inArray(categories.id, childIds)).run()
    }
    const articleIds = tx.select({ id: articleCategories.articleId }).from(articleCategories)
      .where(eq(articleCategories.categoryId, id)).all().map((r) => r.id)
    if (articleIds.length) {
      tx.delete(articleCategories).where(eq(articleCategories.categoryId, id)).run()
      withoutArticleWebhooks(tx, () => tx.update(articles).set({ updatedAt: sql`max(${at}, ${articles.updatedAt} + 1)`, categoryIds: linkedIds('categories') }).where(inArray(articles.id, articleIds)).run())
    }
    tx.delete(categories).where(eq(categories.id, id)).run()
    return { articleIds, categoryIds: [id, ...childIds] }
  }))
}
