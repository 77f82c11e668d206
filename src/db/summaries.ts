/**
 * The author, category and tag summaries that every article embeds ({id, slug, name…}),
 * and the authors' public profiles (bio, website, social too) that one article embeds,
 * kept in memory by id. They are few and change only when an author, category or tag is
 * itself written, while every article list reads dozens of summaries: holding them saves
 * a join per embed on each page view. Ids not yet held are read in one query per kind;
 * the writes that change one call `forgetSummaries` after they commit, and so does a
 * request or a write that finds another process has committed (src/plugins/changes.ts,
 * writeLocked in src/db/client.ts). Bounded: past its bound a kind starts over. A
 * profile's bio and links can run to tens of KB, so profiles keep fewer.
 */
const BOUNDS = { authors: 50_000, categories: 50_000, tags: 50_000, profiles: 2_000 }

export type SummaryKind = keyof typeof BOUNDS

/**
 * Summaries indexed by id. Ids are small dense integers, so an array finds one with no
 * hashing: a page of 20 articles looks up ~300, and a list that varies (tag pages, deep
 * pages) misses the CPU caches on a Map's hash table for each.
 */
export type ById<T> = ReadonlyArray<T | undefined>

interface Held { byId: Array<unknown>, size: number }
const caches = new WeakMap<object, Partial<Record<SummaryKind, Held>>>()

export function summaries<T> (db: object, kind: SummaryKind, ids: readonly number[], load: (missing: number[]) => Array<[number, T]>): ById<T> {
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
    if (held.size + missing.length > BOUNDS[kind]) {
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

/** After a write to authors, categories or tags (names, slugs, avatars, bios, links, deletions). */
export function forgetSummaries (db: object): void {
  caches.delete(db)
}

/** `forgetSummaries(db)`, then `result`: wraps a write that has just committed, `forgettingSummaries(db, db.transaction(…))`. */
export function forgettingSummaries<T> (db: object, result: T): T {
  forgetSummaries(db)
  return result
}
