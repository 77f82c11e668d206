/**
 * Full-text search over articles (SQLite FTS5; see migrations/0001_search.sql).
 * User input never reaches FTS5 syntax: it is cut into words, each quoted, the last
 * one a prefix, so quotes, NEAR, OR, column filters and stars are just text.
 */
import type { Db } from '../db/client.js'
import { allRows, fragment } from '../db/raw.js'
import { BadRequest } from '../lib/errors.js'

const MAX_WORDS = 16

/** `"harbour" "counc"*`: every word must match, the last as a prefix. */
export function matchExpression (q: string): string {
  const words = q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, MAX_WORDS) ?? []
  if (!words.length) throw new BadRequest('`q` has no words to search for')
  return words.map((w, i) => `"${w.slice(0, 100)}"${i === words.length - 1 ? '*' : ''}`).join(' ')
}

const OPEN = '\u0001'
const CLOSE = '\u0002'
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Snippets of the body for a page of hits: escaped HTML with the matches in <mark>. */
export function snippets (db: Db, expression: string, ids: number[]): Map<number, string> {
  if (!ids.length) return new Map()
  const rows = allRows(db, fragment(
    'select rowid, snippet(articles_fts, 3, ?, ?, \'…\', 24) from articles_fts where articles_fts match ? and rowid in (select value from json_each(?))',
    OPEN, CLOSE, expression, JSON.stringify(ids)
  ))
  return new Map(rows.map(([id, snippet]) => [id as number, markup((snippet as string | null) ?? '')]))
}

function markup (raw: string): string {
  return raw
    .replace(/[&<>"']/g, (c) => ESCAPES[c])
    .replaceAll(OPEN, '<mark>')
    .replaceAll(CLOSE, '</mark>')
}
