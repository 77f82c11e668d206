/**
 * Full-text search over articles (SQLite FTS5; see migrations/0001_search.sql).
 * User input never reaches FTS5 syntax: it is cut into words, each quoted, the last
 * one a prefix, so quotes, NEAR, OR, column filters and stars are just text.
 *
 * Relevance is bm25, and bm25 is the expensive part of a search that matches much of
 * the archive: it reads every match of each word to weigh it, then scores each match.
 * So a query ranks at most RANKED_WINDOW of the newest matches the caller may see; when
 * more match, the older ones follow the ranked ones with rank 0, in the order of the
 * rest of the sort (newest first by default). Every match is still found, counted and
 * reachable by page or cursor. The ranked window is kept until the next write or the
 * next scheduled go-live (src/db/count-cache.ts), as list counts are.
 */
import type { Db } from '../db/client.js'
import { allOf, allRows, fragment, limitText, type Fragment } from '../db/raw.js'
import { remembered, untilWrite } from '../db/count-cache.js'
import { BadRequest } from '../lib/errors.js'
import { escapeHtml } from '../lib/content/escape.js'

/**
 * The full-text index a search reads. bm25 weighs words by the rows of its index, so a
 * caller who may see only public articles searches the index of those alone
 * (migrations/0007): in the whole archive's, a hidden draft would reorder their hits.
 * API keys search the whole archive's (an author key then ranks among every article,
 * other authors' drafts included).
 */
export interface SearchIndex { table: 'articles_fts' | 'articles_public_fts', vocabulary: string }
const WHOLE_ARCHIVE: SearchIndex = { table: 'articles_fts', vocabulary: 'articles_fts_vocab' }
const PUBLIC_ARTICLES: SearchIndex = { table: 'articles_public_fts', vocabulary: 'articles_public_fts_vocab' }

export function searchIndex (publicOnly: boolean): SearchIndex {
  return publicOnly ? PUBLIC_ARTICLES : WHOLE_ARCHIVE
}

const MAX_WORDS = 16
/** How many of the newest visible matches bm25 ranks. */
export const RANKED_WINDOW = 500
/** A last word standing for more index terms than this stays an FTS5 prefix query. */
const MAX_PREFIX_TERMS = 32

const quoted = (word: string) => `"${word.replaceAll('"', '""')}"`

/** The words of `q` (letters and digits), at most 16, each at most 100 characters. */
function searchWords (q: string): string[] {
  const words = q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, MAX_WORDS).map((w) => w.slice(0, 100)) ?? []
  if (!words.length) throw new BadRequest('`q` has no words to search for')
  return words
}

/**
 * `"harbour" AND ("council" OR "councils")`: every word must match, the last as a
 * prefix. FTS5 answers a `"counc"*` prefix by merging every matching term's document
 * list into memory, in each statement that uses it: cheap for rare terms, milliseconds
 * for common ones. The terms a common prefix stands for, read from the index's
 * vocabulary, are read lazily instead. A prefix that is not plain ASCII letters and
 * digits (whose folding only the tokenizer knows) or that stands for many terms stays a
 * prefix query.
 */
export function matchExpression (db: Db, index: SearchIndex, q: string): string {
  const words = searchWords(q)
  const last = words[words.length - 1]
  const head = words.slice(0, -1).map(quoted)
  const terms = /^[A-Za-z0-9]+$/.test(last) ? prefixTerms(db, index, last.toLowerCase()) : null
  const tail = terms === null ? `${quoted(last)}*` : terms.length ? `(${terms.map(quoted).join(' OR ')})` : quoted(last)
  return [...head, tail].join(' AND ')
}

/** Below this many documents in all, a prefix's terms are merged faster than they are looked up one by one. */
const MERGE_CHEAPLY = 2_000

/** The index terms that start with `prefix`, or null when the prefix query is as good. */
function prefixTerms (db: Db, index: SearchIndex, prefix: string): string[] | null {
  return untilWrite(db, 'rankings', `prefix|${index.table}|${prefix}`, () => {
    const rows = allRows(db, fragment(
      `select term, doc from ${index.vocabulary} where term >= ? and term < ? ${limitText(MAX_PREFIX_TERMS + 1)}`,
      prefix, `${prefix}\u{10FFFF}`
    ))
    const documents = rows.reduce((sum, [, doc]) => sum + (doc as number), 0)
    const spelled = rows.length <= MAX_PREFIX_TERMS && documents > MERGE_CHEAPLY
    return spelled ? rows.map(([term]) => term as string) : rows.length ? null : []
  })
}

/**
 * The ranked hits: `hits` is JSON `[[id, rank], …]`, best first, of the newest visible
 * matches (at most RANKED_WINDOW), each rank a relevance level (relevanceLevels); `floor`
 * is the lowest id among them when older matches exist beyond the window, otherwise null.
 */
export interface Ranking { hits: string, ranks: Map<number, number>, floor: number | null }

export function ranking (db: Db, index: SearchIndex, expression: string, visible: Fragment | null, scope: string, at: number, validUntil: () => number): Ranking {
  const fts = index.table
  return remembered<Ranking>(db, 'rankings', `ranking|${fts}|${scope}|${expression}`, at, () => {
    const where = allOf([fragment(`${fts} match ?`, expression), visible])
    const newest = allRows(db, fragment(
      `select ${fts}.rowid from ${fts} join articles on articles.id = ${fts}.rowid where ${where.text} order by ${fts}.rowid desc ${limitText(RANKED_WINDOW)}`,
      ...where.params
    )).map(([id]) => id as number)
    if (!newest.length) return { value: { hits: '[]', ranks: new Map(), floor: null }, validUntil: validUntil() }
    const floor = newest.length < RANKED_WINDOW ? null : newest[newest.length - 1]
    const inWindow = new Set(newest)
    const hits = allRows(db, fragment(
      `select rowid, rank from ${fts} where ${fts} match ? and rowid >= ?`,
      expression, newest[newest.length - 1]
    )).filter(([id]) => inWindow.has(id as number)) as Array<[number, number]>
    hits.sort((a, b) => a[1] - b[1] || b[0] - a[0])
    const levels = relevanceLevels(hits)
    return { value: { hits: JSON.stringify(levels), ranks: new Map(levels), floor }, validUntil: validUntil() }
  })
}

/**
 * The ranks a caller sees: not bm25's scores but their levels, counted from the least
 * relevant hit (-1) down, equal scores sharing one. A score depends on every row of the
 * index searched (how many hold each word, their average length): an author key's,
 * ranked in the whole archive, would move when another author saved a draft, and would
 * tell how many articles hold a word. A level depends on the order of the hits alone.
 * `hits` is best first.
 */
function relevanceLevels (hits: Array<[number, number]>): Array<[number, number]> {
  // Levels from the best (0) to the least relevant (`last`).
  let last = 0
  const levels = hits.map(([, score], i) => (i > 0 && score !== hits[i - 1][1] ? ++last : last))
  return hits.map(([id], i) => [id, levels[i] - last - 1])
}

/**
 * Snippets of the body for a page of hits: about 24 words of the body text from just
 * before its densest run of matches, HTML-escaped, with the matches in <mark>. They are
 * cut here from the stored text rather than by FTS5's snippet(), whose statement per hit
 * costs a seek into each word's document list (0.1-0.3 ms a hit for common words). Words
 * match as the index matches them: letters and digits, case and accents folded, the last
 * word as a prefix.
 */
export function snippets (db: Db, q: string, ids: number[]): Map<number, string> {
  if (!ids.length) return new Map()
  const matcher = snippetMatcher(q)
  const rows = allRows(db, fragment('select article_id, body_text from article_bodies where article_id in (select value from json_each(?))', JSON.stringify(ids)))
  return new Map(rows.map(([id, text]) => [id as number, snippetOf(text as string, matcher)]))
}

/** Finds the query's words in a text: the last one as a prefix, each letter also in its accented forms. */
interface Matcher { pattern: RegExp, exact: Set<string>, prefix: string }

const SNIPPET_WORDS = 24
/** Words shown before the first match of the chosen run. */
const LEAD = 3
/** Matches looked at for the densest run: a huge body full of the word costs no more than this. */
const MAX_SNIPPET_MATCHES = 1_000
/** About SNIPPET_WORDS words of text, for choosing the densest run of matches. */
const RUN_CHARACTERS = 150
const WORD = /[\p{L}\p{N}\p{Co}]+/gu
const LETTER = '[\\p{L}\\p{N}\\p{M}\\p{Co}]'

/**
 * Case and accents folded as the index's tokenizer folds them (unicode61,
 * remove_diacritics 2). Not src/lib/fold.ts, which also spells ß as ss for name search:
 * the index keeps ß, so a snippet must too. Plain ASCII, most words, skips normalizing.
 */
function fold (word: string): string {
  const lower = word.toLowerCase()
  return /^[a-z0-9]*$/.test(lower) ? lower : lower.normalize('NFKD').replace(/\p{M}/gu, '')
}

/** Each ASCII letter and the precomposed Latin letters that fold to it: é, È, ő, … for e. */
const ACCENTED = (() => {
  const forms = new Map<string, string>()
  for (const [from, to] of [[0xc0, 0x24f], [0x1e00, 0x1eff]]) {
    for (let code = from; code <= to; code++) {
      const char = String.fromCodePoint(code)
      const base = fold(char)
      if (/^[a-z]$/.test(base)) forms.set(base, (forms.get(base) ?? '') + char)
    }
  }
  return forms
})()

function letterPattern (char: string): string {
  const forms = ACCENTED.get(char)
  return forms ? `[${char}${forms}]` : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function snippetMatcher (q: string): Matcher {
  // A word that folds to nothing (marks only) matches nothing, as in the index.
  const words = searchWords(q).map(fold).filter((w) => w !== '')
  if (!words.length) return { pattern: /(?!)/gu, exact: new Set(), prefix: '' }
  const prefix = words[words.length - 1]
  const exact = new Set(words.slice(0, -1))
  const spell = (word: string) => [...word].map(letterPattern).join('')
  const alternatives = [...[...exact].map((w) => `${spell(w)}(?!${LETTER})`), `${spell(prefix)}${LETTER}*`]
  return { pattern: new RegExp(`(?<!${LETTER})(?:${alternatives.join('|')})`, 'giu'), exact, prefix }
}

function snippetOf (text: string, matcher: Matcher): string {
  // Where the words occur, and which query word each stands for.
  const at: number[] = []
  const terms: string[] = []
  const pattern = new RegExp(matcher.pattern)
  for (let m = pattern.exec(text); m !== null && at.length < MAX_SNIPPET_MATCHES; m = pattern.exec(text)) {
    if (m[0] === '') { pattern.lastIndex++; continue }
    const folded = fold(m[0])
    at.push(m.index)
    terms.push(matcher.exact.has(folded) ? folded : matcher.prefix)
  }
  // The run with the most different words matched, then the most matches; the earliest wins ties.
  let anchor = 0
  let bestScore = -1
  for (let i = 0; i < at.length; i++) {
    const seen = new Set<string>()
    let hits = 0
    for (let j = i; j < at.length && at[j] < at[i] + RUN_CHARACTERS; j++) {
      seen.add(terms[j])
      hits++
    }
    const score = seen.size * 1000 + hits
    if (score > bestScore) { anchor = at[i]; bestScore = score }
  }
  // LEAD words back from the run, then SNIPPET_WORDS words on.
  const from = Math.max(0, anchor - 100)
  const before = [...text.slice(from, anchor).matchAll(WORD)].map((m) => from + m.index)
  if (from > 0) before.shift() // it may be cut
  const start = before.length >= LEAD ? before[before.length - LEAD] : from === 0 ? firstWord(text) : before[0] ?? anchor
  if (start < 0) return ''
  const marked = new Set(at)
  const words = new RegExp(WORD)
  words.lastIndex = start
  // From the very start of the text when no word comes before.
  let out = start > firstWord(text) ? '…' : escapeHtml(text.slice(0, start))
  let previousEnd = start
  let count = 0
  for (let m = words.exec(text); m !== null; m = words.exec(text)) {
    if (count === SNIPPET_WORDS) return `${out}…`
    if (count > 0) out += escapeHtml(text.slice(previousEnd, m.index))
    const word = escapeHtml(m[0])
    out += marked.has(m.index) ? `<mark>${word}</mark>` : word
    previousEnd = m.index + m[0].length
    count++
  }
  return out + escapeHtml(text.slice(previousEnd))
}

function firstWord (text: string): number {
  return text.search(/[\p{L}\p{N}\p{Co}]/u)
}

