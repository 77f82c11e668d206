/**
 * Tag writes, each in one transaction: a write that throws changes nothing.
 */
import { eq, inArray, sql } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { forgettingSummaries } from '../db/summaries.js'
import { articles, articleTags, tags } from '../db/schema.js'
import { chooseSlug } from '../db/lookups.js'
import { linkedIds, restampEmbedding, withoutArticleWebhooks, type Touched } from '../articles/mutations.js'
import { NotFound } from '../lib/errors.js'
import { searchName } from '../lib/fold.js'
import { now } from '../lib/time.js'
import type { TagCreate, TagUpdate } from './schemas.js'

type Tx = Queryable
type TagRow = typeof tags.$inferSelect


function existing (tx: Tx, id: number): TagRow {
  const row = tx.select().from(tags).where(eq(tags.id, id)).get()
  if (!row) throw new NotFound('Tag')
  return row
}

export function createTag (db: Db, input: TagCreate): { id: number, touched: Partial<Touched> } {
  return db.transaction((tx) => {
    const at = now()
    const row = tx.insert(tags).values({
      slug: chooseSlug(tx, tags, input.slug, input.name, 'tag'),
      name: input.name,
      searchName: searchName(input.name),
      description: input.description ?? null,
      createdAt: at,
      updatedAt: at
    }).returning({ id: tags.id }).get()
    return { id: row.id, touched: { tagIds: [row.id] } }
  })
}

/** Changes what the input names; the slug stays unless a new one is given. */
export function updateTag (db: Db, id: number, input: TagUpdate): Partial<Touched> {
  return forgettingSummaries(db, db.transaction((tx) => {
    const current = existing(tx, id)
    const changes: Partial<typeof tags.$inferInsert> = { updatedAt: Math.max(now(), current.updatedAt + 1) }
    if (input.name !== undefined) {
      changes.name = input.name
      changes.searchName = searchName(input.name)
    }
    if (input.slug !== undefined && input.slug !== current.slug) changes.slug = chooseSlug(tx, tags, input.slug, current.name, 'tag', id)
    if (input.description !== undefined) changes.description = input.description
    tx.update(tags).set(changes).where(eq(tags.id, id)).run()
    if ((changes.name ?? current.name) !== current.name || (changes.slug ?? current.slug) !== current.slug) restampEmbedding(tx, { tagId: id }, changes.updatedAt!)
    return { tagIds: [id] }
  }))
}

/** Deletes a tag and detaches it from its articles (their updatedAt moves on, so that sync clients see the change). */
export function deleteTag (db: Db, id: number): Partial<Touched> {
  return forgettingSummaries(db, db.transaction((tx) => {
    const at = now()
    existing(tx, id)
    const articleIds = tx.select({ id: articleTags.articleId }).from(articleTags)
      .where(eq(articleTags.tagId, id)).all().map((r) => r.id)
    if (articleIds.length) {
      tx.delete(articleTags).where(eq(articleTags.tagId, id)).run()
      withoutArticleWebhooks(tx, () => tx.update(articles).set({ updatedAt: sql`max(${at}, ${articles.updatedAt} + 1)`, tagIds: linkedIds('tags') }).where(inArray(articles.id, articleIds)).run())
    }
    tx.delete(tags).where(eq(tags.id, id)).run()
    return { articleIds, tagIds: [id] }
  }))
}
