/** Rows tests arrange directly (articles go through the API to exercise the real write path). */
import type { FastifyInstance } from 'fastify'
import { authors, categories, tags } from '../src/db/schema.js'
import { searchName } from '../src/lib/fold.js'
import { slugify } from '../src/lib/slug.js'
import { call } from './helpers.js'

let sequence = 0
const stamp = () => Date.now()

export function insertAuthor (app: FastifyInstance, name = `Author ${++sequence}`, extra: Partial<typeof authors.$inferInsert> = {}) {
  return app.db.insert(authors).values({ slug: slugify(name, 'author') + `-${++sequence}`, name, searchName: searchName(name), createdAt: stamp(), updatedAt: stamp(), ...extra }).returning().get()
}

export function insertCategory (app: FastifyInstance, name: string, parentId: number | null = null) {
  return app.db.insert(categories).values({ slug: slugify(name, 'category'), name, searchName: searchName(name), parentId, createdAt: stamp(), updatedAt: stamp() }).returning().get()
}

export function insertTag (app: FastifyInstance, name: string) {
  return app.db.insert(tags).values({ slug: slugify(name, 'tag'), name, searchName: searchName(name), createdAt: stamp(), updatedAt: stamp() }).returning().get()
}

/** Creates an article through POST /v1/articles and returns its `data`. */
export async function postArticle (app: FastifyInstance, token: string, body: Record<string, unknown>) {
  const { status, json } = await call(app, { method: 'POST', url: '/v1/articles', token, payload: body })
  if (status !== 201) throw new Error(`creating article failed: ${status} ${JSON.stringify(json)}`)
  return json.data
}

export const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString()
