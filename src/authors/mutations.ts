/**
 * Author writes, each in one transaction: a write that throws changes nothing.
 */
import { eq, sql } from 'drizzle-orm'
import type { Db, Queryable } from '../db/client.js'
import { forgettingSummaries } from '../db/summaries.js'
import { apiKeys, articles, authors } from '../db/schema.js'
import { chooseSlug, missingIds } from '../db/lookups.js'
import { recount, restampEmbedding, type Touched } from '../articles/mutations.js'
import { Conflict, FieldError, NotFound } from '../lib/errors.js'
import { searchName } from '../lib/fold.js'
import { now } from '../lib/time.js'
import type { AuthorCreate, AuthorUpdate } from './schemas.js'

type Tx = Queryable
type AuthorRow = typeof authors.$inferSelect


function existing (tx: Tx, id: number): AuthorRow {
  const row = tx.select().from(authors).where(eq(authors.id, id)).get()
  if (!row) throw new NotFound('Author')
  return row
}

export function createAuthor (db: Db, input: AuthorCreate): { id: number, touched: Partial<Touched> } {
  return db.transaction((tx) => {
    const at = now()
    const row = tx.insert(authors).values({
      slug: chooseSlug(tx, authors, input.slug, input.name, 'author'),
      name: input.name,
      searchName: searchName(input.name),
      email: input.email ?? null,
      bio: input.bio ?? null,
      avatarUrl: input.avatarUrl ?? null,
      website: input.website ?? null,
      social: input.social ?? {},
      createdAt: at,
      updatedAt: at
    }).returning({ id: authors.id }).get()
    return { id: row.id, touched: { authorIds: [row.id] } }
  })
}

/**
 * False when `input` changes the email and nothing else (fields it repeats unchanged do
 * not count); any other write, one that changes nothing included, moves `updatedAt`.
 */
function changesPublicProfile (current: typeof authors.$inferSelect, input: AuthorUpdate): boolean {
  const emailChanges = input.email !== undefined && input.email !== current.email
  const others = Object.keys(input).filter((name) => name !== 'email') as Array<Exclude<keyof AuthorUpdate, 'email'>>
  const othersChange = others.some((name) => name === 'social'
    ? JSON.stringify(input.social ?? {}) !== JSON.stringify(current.social ?? {})
    : (input[name] ?? null) !== (current[name] ?? null))
  return othersChange || !emailChanges
}

/** Changes what the input names; the slug stays unless a new one is given. */
export function updateAuthor (db: Db, id: number, input: AuthorUpdate): Partial<Touched> {
  return forgettingSummaries(db, db.transaction((tx) => {
    const current = existing(tx, id)
    // `updatedAt` is public: a write that changes only the email, which only editors and
    // admins see, leaves it (and the public profile's ETag) as it was, whatever else the
    // body repeats unchanged (an admin form sends every field).
    const changes: Partial<typeof authors.$inferInsert> = changesPublicProfile(current, input) ? { updatedAt: Math.max(now(), current.updatedAt + 1) } : {}
    if (input.name !== undefined) {
      changes.name = input.name
      changes.searchName = searchName(input.name)
    }
    if (input.slug !== undefined && input.slug !== current.slug) changes.slug = chooseSlug(tx, authors, input.slug, current.name, 'author', id)
    if (input.email !== undefined) changes.email = input.email
    if (input.bio !== undefined) changes.bio = input.bio
    if (input.avatarUrl !== undefined) changes.avatarUrl = input.avatarUrl
    if (input.website !== undefined) changes.website = input.website
    if (input.social !== undefined) changes.social = input.social ?? {}
    tx.update(authors).set(changes).where(eq(authors.id, id)).run()
    const embedded = (changes.name ?? current.name) !== current.name || (changes.slug ?? current.slug) !== current.slug || (changes.avatarUrl === undefined ? current.avatarUrl : changes.avatarUrl) !== current.avatarUrl
    if (embedded) restampEmbedding(tx, { authorId: id }, now())
    return { authorIds: [id] }
  }))
}

export interface DeleteAuthorOptions {
  /** Another author who takes over the deleted author's articles. */
  reassignTo?: number
}

/**
 * Deletes an author. One with articles (in any status) is a 409 unless `reassignTo`
 * names another author, who then takes them over. The author's API keys go with it
 * (the foreign key cascades).
 */
export function deleteAuthor (db: Db, id: number, options: DeleteAuthorOptions = {}): Partial<Touched> & { keyIds: number[] } {
  return forgettingSummaries(db, db.transaction((tx) => {
    const at = now()
    existing(tx, id)
    const { reassignTo } = options
    if (reassignTo !== undefined) {
      if (reassignTo === id) throw new FieldError('/query/reassignTo', 'must be another author than the one deleted')
      if (missingIds(tx, authors, [reassignTo]).length) throw new FieldError('/query/reassignTo', `author ${reassignTo} does not exist`)
    }
    const articleIds = tx.select({ id: articles.id }).from(articles).where(eq(articles.authorId, id)).all().map((r) => r.id)
    if (articleIds.length && reassignTo === undefined) {
      throw new Conflict(`The author has ${articleIds.length} article(s): pass ?reassignTo=ID to move them to another author first`)
    }
    if (articleIds.length && reassignTo !== undefined) {
      tx.update(articles)
        .set({ authorId: reassignTo, updatedAt: sql`max(${at}, ${articles.updatedAt} + 1)` })
        .where(eq(articles.authorId, id)).run()
    }
    // Announced with the change so that anything keyed on API keys lets these go too.
    const keyIds = tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.authorId, id)).all().map((r) => r.id)
    tx.delete(authors).where(eq(authors.id, id)).run()
    const authorIds = reassignTo === undefined ? [id] : [id, reassignTo]
    recount(tx, { authorIds, categoryIds: [], tagIds: [] }, at)
    return { articleIds, authorIds, keyIds }
  }))
}
