/** Lowercase, accents removed (é → e, ß → ss), for accent-insensitive matching. */
export function fold (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/ß/g, 'ss').toLowerCase()
}

/**
 * A name as stored for prefix search: ' ' + its folded words, so that
 * `LIKE '% ' || prefix || '%'` matches the start of any word.
 */
export function searchName (name: string): string {
  return ' ' + fold(name).split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(' ')
}

/** A user's prefix query folded the same way, with LIKE's wildcards escaped (use ESCAPE '\\'). */
export function likePrefix (query: string): string {
  const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(' ')
  return `% ${words.replace(/[\\%_]/g, (c) => '\\' + c)}%`
}
