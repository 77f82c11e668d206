/**
 * Loads "The Harbour Gazette" into an empty database through the same mutations the
 * API's write routes use, so the demo exercises the real body pipeline, slugs and counts.
 */
import type { Db } from '../db/client.js'
import type { Config } from '../config.js'
import type { Caller } from '../lib/caller.js'
import { countArticles } from '../articles/queries.js'
import { createArticle } from '../articles/mutations.js'
import { createAuthor } from '../authors/mutations.js'
import { createCategory } from '../categories/mutations.js'
import { createTag } from '../tags/mutations.js'
import { createComment } from '../comments/mutations.js'
import { demoArticles, demoAuthors, demoCategories, demoComments, demoTags } from './content.js'

const EDITOR: Caller = { role: 'editor', keyId: null, authorId: null }
const HOUR = 3600_000

/** Loads the demo when the database has no articles; returns what it loaded, or null. */
export function loadDemoContent (db: Db, config: Pick<Config, 'iframeHosts'>, at = Date.now()) {
  if (countArticles(db) > 0) return null
  const ids = new Map<string, number>()
  const id = (key: string) => {
    const value = ids.get(key)
    if (value === undefined) throw new Error(`demo content refers to unknown key "${key}"`)
    return value
  }

  for (const a of demoAuthors) {
    ids.set(`author:${a.key}`, createAuthor(db, { name: a.name, email: a.email, bio: a.bio, avatarUrl: a.avatarUrl, website: a.website ?? undefined, social: a.social }).id)
  }
  // Parents first: the list may name a parent that comes later.
  const pending = [...demoCategories]
  while (pending.length) {
    const index = pending.findIndex((c) => c.parent === null || ids.has(`category:${c.parent}`))
    if (index === -1) throw new Error('demo categories have a cycle or an unknown parent')
    const [c] = pending.splice(index, 1)
    ids.set(`category:${c.key}`, createCategory(db, { name: c.name, description: c.description, parentId: c.parent === null ? undefined : id(`category:${c.parent}`) }).id)
  }
  for (const t of demoTags) ids.set(`tag:${t.key}`, createTag(db, { name: t.name, description: t.description }).id)

  for (const a of demoArticles) {
    const publishedAt = a.publishedHoursAgo === null ? undefined : new Date(at - a.publishedHoursAgo * HOUR).toISOString()
    const created = createArticle(db, EDITOR, {
      title: a.title,
      subtitle: a.subtitle,
      body: a.body,
      bodyFormat: 'markdown',
      authorId: id(`author:${a.author}`),
      categoryIds: a.categories.map((c) => id(`category:${c}`)),
      tagIds: a.tags.map((t) => id(`tag:${t}`)),
      status: a.status,
      publishedAt,
      featured: a.featured,
      featuredImage: a.featuredImage,
      seo: a.seo,
      commentStatus: a.commentStatus
    }, { iframeHosts: config.iframeHosts })
    ids.set(`article:${a.key}`, created.id)
  }

  for (const c of demoComments) {
    const created = createComment(db, id(`article:${c.article}`), {
      authorName: c.authorName,
      authorEmail: c.authorEmail,
      authorUrl: c.authorUrl ?? undefined,
      body: c.body,
      parentId: c.parent === null ? undefined : id(`comment:${c.parent}`)
    }, { status: c.status })
    ids.set(`comment:${c.key}`, created.id)
  }
  return { authors: demoAuthors.length, categories: demoCategories.length, tags: demoTags.length, articles: demoArticles.length, comments: demoComments.length }
}
