/**
 * Full-text search over articles (SQLite FTS5; see migrations/0001_search.sql).
 * User input never reaches FTS5 syntax: it is cut into words, each quoted, the last
 * one a prefix, so quotes, NEAR, OR, column filters and stars are just text.
 */
import { inArray, sql } from 'drizzle-orm'
import { integer, real, sqliteTable } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client.js'
import { BadRequest } from '../lib/errors.js'

/** The FTS5 table as Drizzle sees it (not in db/schema.ts: drizzle-kit must not create it). */
export const articlesFts = sqliteTable('articles_fts', {
  rowid: integer('rowid').notNull(),
  rank: real('rank').notNull()
})

const MAX_WORDS = 16

/** `"harbour" "counc"*`: every word must match, the last as a prefix. */
export function matchExpression (q: string): string {
  const words = q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, MAX_WORDS) ?? []
  if (!words.length) throw new BadRequest('`q` has no words to search for')
  return words.map((w, i) => `"${w.slice(0, 100)}"${i === words.length - 1 ? '*' : ''}`).join(' ')
}

export function matches (expression: string) {
  return sql`${articlesFts} match ${expression}`
}

/** Rows matching, as a subquery for `articles.id in (…)`. */
export function matchingIds (db: Db, expression: string) {
  return db.select({ id: articlesFts.rowid }).from(articlesFts).where(matches(expression))
}

const OPEN = '\u0001'
const CLOSE = '\u0002'
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Snippets of the body for a page of hits: escaped HTML with the matches in <mark>. */
export function snippets (db: Db, expression: string, ids: number[]): Map<number, string> {
  if (!ids.length) return new Map()
  const rows = db.select({
    id: articlesFts.rowid,
    snippet: sql<string>`snippet(articles_fts, 3, ${OPEN}, ${CLOSE}, '…', 24)`
  }).from(articlesFts).where(sql`${matches(expression)} and ${inArray(articlesFts.rowid, ids)}`).all()
  return new Map(rows.map((r) => [r.id, markup(r.snippet ?? '')]))
}

function markup (raw: string): string {
  return raw
    .replace(/[&<>"']/g, (c) => ESCAPES[c])
    .replaceAll(OPEN, '<mark>')
    .replaceAll(CLOSE, '</mark>')
}
