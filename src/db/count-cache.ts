/**
 * Counting the rows behind a list is the one part of a list read that grows with the
 * archive (SQLite counts index entries one by one), and ranking a search that matches
 * much of the archive is another (bm25 first reads every match of each word); walking a
 * category tree for a category filter is a recursive query on every such list. All are
 * therefore kept per database and key, as are the positions where a list's deep pages
 * start (OFFSET would walk every row before them), until the content changes (every
 * write announces itself through the changes plugin, which calls invalidateCounts) or
 * until `validUntil`, the moment a scheduled article goes live and changes what is
 * visible without any write.
 */
interface Entry<T> { value: T, validUntil: number }

/**
 * Entries each kind keeps per database before it starts again (a ranking holds up to 500
 * hits, ~40 KB; a lookup is a short list of ids, such as a category and its descendants;
 * marks are up to 64 positions where deep pages of one list start).
 */
const BOUNDS = { counts: 10_000, rankings: 200, lookups: 1_000, marks: 1_000 }
type Kind = keyof typeof BOUNDS
const KINDS = Object.keys(BOUNDS) as Kind[]

const caches = new WeakMap<object, Record<Kind, Map<string, Entry<unknown>>>>()

export function remembered<T> (db: object, kind: Kind, key: string, at: number, compute: () => Entry<T>): T {
  let held = caches.get(db)
  if (!held) caches.set(db, held = Object.fromEntries(KINDS.map((k) => [k, new Map()])) as Record<Kind, Map<string, Entry<unknown>>>)
  const cache = held[kind]
  const hit = cache.get(key)
  if (hit && at < hit.validUntil) return hit.value as T
  if (cache.size >= BOUNDS[kind]) cache.clear()
  const entry = compute()
  cache.set(key, entry)
  return entry.value
}

/** `compute()`, kept until the next write: for values that nothing but a write changes. */
export function untilWrite<T> (db: object, kind: Kind, key: string, compute: () => T): T {
  return remembered(db, kind, key, 0, () => ({ value: compute(), validUntil: Number.POSITIVE_INFINITY }))
}

export function cachedCount (db: object, key: string, at: number, compute: () => Entry<number>): number {
  return remembered(db, 'counts', key, at, compute)
}

export function invalidateCounts (db: object): void {
  const held = caches.get(db)
  for (const kind of KINDS) held?.[kind].clear()
}
