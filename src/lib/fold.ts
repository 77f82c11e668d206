/** Lowercase, accents removed (é → e, ß → ss), for accent-insensitive matching. */
export function fold (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/ß/g, 'ss').toLowerCase()
}

/**
 * A name as stored for prefix search: ' ' + its folded words, so that
 * `LIKE '% ' || prefix || '%'` matches the start of any word.
 */
export function searchName (name: string): string {
  return ' ' + words(name).join(' ')
}

// Apostrophes join a word ("Zoë’s" → "zoes", "O'Brien" → "obrien"), as in slugs.
function words (text: string): string[] {
  return fold(text).replace(/['’]/g, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean)
}

/**
 * A user's prefix query folded the same way, as a LIKE pattern matching the start of a
 * word; null when it has no letters or digits (so it matches nothing). Folded words hold
 * only letters, digits and spaces, so no LIKE wildcard can get through.
 */
export function likePrefix (query: string): string | null {
  const folded = words(query).join(' ')
  return folded ? `% ${folded}%` : null
}
