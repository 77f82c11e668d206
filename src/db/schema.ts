/**
 * The one Drizzle schema. Times are integer milliseconds since the epoch (UTC) so that
 * comparisons and keyset cursors are cheap; the output mappers turn them into ISO strings.
 * Migrations in ../../migrations are generated from this file by drizzle-kit.
 */
import { sql } from 'drizzle-orm'
import { sqliteTable, integer, text, index, uniqueIndex, primaryKey, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'

export const authors = sqliteTable('authors', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  // The name folded for prefix search (see lib/fold.ts): ' ' + lowercase words without accents.
  searchName: text('search_name').notNull(),
  email: text('email'),
  bio: text('bio'),
  avatarUrl: text('avatar_url'),
  website: text('website'),
  social: text('social', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  // Published (visible) articles only; kept in step by article writes and the scheduler.
  articleCount: integer('article_count').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
}, (t) => [
  uniqueIndex('authors_slug_unique').on(t.slug),
  index('authors_name_idx').on(t.name),
  index('authors_article_count_idx').on(t.articleCount),
  index('authors_created_at_idx').on(t.createdAt)
])

export const categories = sqliteTable('categories', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  searchName: text('search_name').notNull(),
  description: text('description'),
  parentId: integer('parent_id').references((): AnySQLiteColumn => categories.id, { onDelete: 'set null' }),
  articleCount: integer('article_count').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
}, (t) => [
  uniqueIndex('categories_slug_unique').on(t.slug),
  index('categories_parent_idx').on(t.parentId),
  index('categories_name_idx').on(t.name),
  index('categories_article_count_idx').on(t.articleCount)
])

export const tags = sqliteTable('tags', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  searchName: text('search_name').notNull(),
  description: text('description'),
  articleCount: integer('article_count').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
}, (t) => [
  uniqueIndex('tags_slug_unique').on(t.slug),
  index('tags_name_idx').on(t.name),
  index('tags_article_count_idx').on(t.articleCount),
  index('tags_created_at_idx').on(t.createdAt)
])

export interface FeaturedImage { url: string, alt: string, caption: string | null }
export interface Seo { title: string | null, description: string | null, canonicalUrl: string | null }
export interface TocEntry { id: string, text: string, level: number }

export const articles = sqliteTable('articles', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull(),
  title: text('title').notNull(),
  subtitle: text('subtitle'),
  // What the client gave; null means "derive from the body" into `excerpt`.
  customExcerpt: text('custom_excerpt'),
  excerpt: text('excerpt').notNull(),
  bodyFormat: text('body_format', { enum: ['markdown', 'html'] }).notNull(),
  wordCount: integer('word_count').notNull(),
  readingTimeMinutes: integer('reading_time_minutes').notNull(),
  featuredImage: text('featured_image', { mode: 'json' }).$type<FeaturedImage | null>(),
  seo: text('seo', { mode: 'json' }).$type<Seo | null>(),
  status: text('status', { enum: ['draft', 'scheduled', 'published', 'archived'] }).notNull(),
  featured: integer('featured', { mode: 'boolean' }).notNull().default(false),
  publishedAt: integer('published_at'),
  // publishedAt when the article is published or scheduled, else null: "visible to the
  // public" is then one range test (live_at <= now) that an index answers, and a
  // scheduled article becomes visible at its time with no write at all.
  liveAt: integer('live_at'),
  authorId: integer('author_id').notNull().references(() => authors.id, { onDelete: 'restrict' }),
  commentStatus: text('comment_status', { enum: ['open', 'closed'] }).notNull().default('open'),
  // Approved comments; kept in step by comment writes.
  commentCount: integer('comment_count').notNull().default(0),
  // The article's category and tag ids, comma-separated in their order: a copy of its
  // rows in article_categories and article_tags (which filters read), written in the same
  // transaction, so that a page of articles needs no query for its embeds.
  categoryIds: text('category_ids').notNull().default(''),
  tagIds: text('tag_ids').notNull().default(''),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
}, (t) => [
  uniqueIndex('articles_slug_unique').on(t.slug),
  index('articles_live_at_idx').on(t.liveAt),
  index('articles_published_at_idx').on(t.publishedAt),
  index('articles_updated_at_idx').on(t.updatedAt),
  index('articles_created_at_idx').on(t.createdAt),
  index('articles_title_idx').on(t.title),
  index('articles_comment_count_idx').on(t.commentCount),
  index('articles_author_live_idx').on(t.authorId, t.liveAt),
  index('articles_featured_live_idx').on(t.featured, t.liveAt),
  index('articles_status_idx').on(t.status, t.publishedAt)
])

/**
 * The large columns of an article live apart from it, so that the articles table stays
 * a few hundred bytes a row: lists, counts and filters then read compact pages instead
 * of walking kilobytes of body per row.
 */
export const articleBodies = sqliteTable('article_bodies', {
  articleId: integer('article_id').primaryKey().references(() => articles.id, { onDelete: 'cascade' }),
  body: text('body').notNull(),
  bodyHtml: text('body_html').notNull(),
  // Plain text of the body (markup stripped), for the excerpt and the search index.
  bodyText: text('body_text').notNull(),
  toc: text('toc', { mode: 'json' }).$type<TocEntry[]>().notNull()
})

export const articleCategories = sqliteTable('article_categories', {
  articleId: integer('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  categoryId: integer('category_id').notNull().references(() => categories.id, { onDelete: 'cascade' }),
  position: integer('position').notNull().default(0),
  // A copy of the article's live_at, kept by triggers (migrations/0003): a category's
  // newest live articles are then one range of the index below. drizzle-kit does not
  // know those triggers: a generated migration that rebuilds this table must recreate
  // them (test/term-pages.test.ts fails if they are missing).
  liveAt: integer('live_at')
}, (t) => [
  primaryKey({ columns: [t.articleId, t.categoryId] }),
  index('article_categories_category_idx').on(t.categoryId, t.articleId),
  index('article_categories_category_live_idx').on(t.categoryId, t.liveAt, t.articleId),
  index('article_categories_position_idx').on(t.articleId, t.position, t.categoryId)
])

export const articleTags = sqliteTable('article_tags', {
  articleId: integer('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  tagId: integer('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  position: integer('position').notNull().default(0),
  // A copy of the article's live_at, kept by triggers (migrations/0003).
  liveAt: integer('live_at')
}, (t) => [
  primaryKey({ columns: [t.articleId, t.tagId] }),
  index('article_tags_tag_idx').on(t.tagId, t.articleId),
  index('article_tags_tag_live_idx').on(t.tagId, t.liveAt, t.articleId),
  index('article_tags_position_idx').on(t.articleId, t.position, t.tagId)
])

export const comments = sqliteTable('comments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  articleId: integer('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  parentId: integer('parent_id').references((): AnySQLiteColumn => comments.id, { onDelete: 'set null' }),
  depth: integer('depth').notNull().default(1),
  authorName: text('author_name').notNull(),
  authorEmail: text('author_email').notNull(),
  authorUrl: text('author_url'),
  body: text('body').notNull(),
  bodyHtml: text('body_html').notNull(),
  status: text('status', { enum: ['pending', 'approved', 'spam', 'trash'] }).notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
}, (t) => [
  index('comments_article_status_idx').on(t.articleId, t.status),
  index('comments_status_idx').on(t.status),
  index('comments_parent_idx').on(t.parentId),
  index('comments_created_at_idx').on(t.createdAt)
])

export const apiKeys = sqliteTable('api_keys', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'editor', 'author'] }).notNull(),
  authorId: integer('author_id').references(() => authors.id, { onDelete: 'cascade' }),
  // SHA-256 of the token; the token itself is never stored.
  tokenHash: text('token_hash').notNull(),
  tokenPrefix: text('token_prefix').notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  revokedAt: integer('revoked_at')
}, (t) => [
  uniqueIndex('api_keys_token_hash_unique').on(t.tokenHash)
])

/**
 * The change log behind GET /v1/changes: one row per change to a resource, written in
 * the same transaction as the change. Whether the resource was public before and after
 * lets anonymous clients see exactly the changes that concern them (an article becoming
 * visible, or one they may have stored going away) and nothing about drafts.
 */
export const changeEvents = sqliteTable('change_events', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  resource: text('resource', { enum: ['article', 'author', 'category', 'tag', 'comment'] }).notNull(),
  resourceId: integer('resource_id').notNull(),
  publicBefore: integer('public_before', { mode: 'boolean' }).notNull(),
  publicAfter: integer('public_after', { mode: 'boolean' }).notNull(),
  // The article's author, so that an author key also sees changes to its own drafts.
  ownerAuthorId: integer('owner_author_id'),
  at: integer('at').notNull(),
  // The event's place among the public ones only (set by a trigger, migrations/0006): the
  // anonymous feed counts in it, so its numbers and cursors skip no hidden write.
  publicSeq: integer('public_seq')
}, (t) => [
  index('change_events_at_idx').on(t.at),
  uniqueIndex('change_events_public_seq_unique').on(t.publicSeq)
])

/** Small named values the service keeps, e.g. the last change-log sequence number purged. */
export const appState = sqliteTable('app_state', {
  key: text('key').primaryKey(),
  value: integer('value').notNull()
})

export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
  secret: text('secret').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull()
})

/** Queued and attempted webhook deliveries: written in the transaction of the change, kept through restarts. */
export const webhookDeliveries = sqliteTable('webhook_deliveries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  webhookId: integer('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
  event: text('event').notNull(),
  payload: text('payload').notNull(),
  status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: integer('next_attempt_at').notNull(),
  lastStatusCode: integer('last_status_code'),
  lastError: text('last_error'),
  lastResponse: text('last_response'),
  createdAt: integer('created_at').notNull(),
  deliveredAt: integer('delivered_at')
}, (t) => [
  index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
  index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id)
])
