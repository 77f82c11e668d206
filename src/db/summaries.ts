/**
 * The author, category and tag summaries that every article embeds ({id, slug, name…}),
 * and the authors' public profiles that one article embeds, kept in memory by id. They
 * are few and change only when an author, category or tag is itself written, while every
 * article list reads dozens of them: holding them saves a join per embed on each page view. Ids not yet held are read in one query per kind;
 * the writes that change a summary call `forgetSummaries` after they commit. Bounded:
 * past MAX_ENTRIES a kind starts over.
 */
const MAX_ENTRIES = 50_000

type Kind = 'authors' | 'profiles' | 'categories' | 'tags'

/**
 * Summaries indexed by id. Ids are small dense integers, so an array finds one with no
 * hashing: a page of 20 articles looks up ~300, and a list that varies (tag pages, deep
 * pages) misses the CPU caches on a Map's hash table for each.
 */
export type ById<T> = ReadonlyArray<T | undefined>

interface Held { byId: Array<unknown>, size: number }
const caches = new WeakMap<object, Partial<Record<Kind, Held>>>()

export function summaries<T> (db: object, kind: Kind, ids: readonly number[], load: (missing: number[]) => Array<[number, T]>): ById<T> {
  let byKind = caches.get(db)
  if (!byKind) caches.set(db, byKind = {})
  const held = byKind[kind] ??= { byId: [], size: 0 }
  // Every page view asks, and nearly always all are held: a plain loop, no Set or closure.
  let absent: number[] | undefined
  for (const id of ids) {
    if (held.byId[id] === undefined) (absent ??= []).push(id)
  }
  if (absent !== undefined) {
    let missing = [...new Set(absent)]
    // Starting over drops what this call found too: load everything it asks for.
    if (held.size + missing.length > MAX_ENTRIES) {
      held.byId = []
      held.size = 0
      missing = [...new Set(ids)]
    }
    for (const [id, summary] of load(missing)) {
      if (held.byId[id] === undefined) held.size++
      held.byId[id] = summary
    }
  }
  return held.byId as ById<T>
}

/** After a write to authors, categories or tags (names, slugs, avatars, deletions). */
export function forgetSummaries (db: object): void {
  caches.delete(db)
}

/** `forgetSummaries(db)`, then `result`: wraps a write that has just committed, `forgettingSummaries(db, db.transaction(…))`. */
export function forgettingSummaries<T> (db: object, result: T): T {
  forgetSummaries(db)
  return result
}
