import slugifyText from '@sindresorhus/slugify'

const MAX = 120

/**
 * A slug from a title or name: accents transliterated, apostrophes dropped ("O'Brien" →
 * `obrien`, as WordPress does, whichever apostrophe is typed), other punctuation a
 * hyphen, lowercase, at most 120 characters cut at a hyphen, with at least one letter
 * (`fallback` is prefixed when the text has none, e.g. a title that is only a year).
 */
export function slugify (text: string, fallback: string): string {
  let slug = slugifyText(text.replace(/['’]/g, ''), { decamelize: false })
  if (!/[a-z]/.test(slug)) slug = slug ? `${fallback}-${slug}` : fallback
  return fit(slug, MAX)
}

/** `slug` in at most `max` characters: cut at its last hyphen that fits (mid-word only for a word longer than that), never ending in a hyphen. */
function fit (slug: string, max: number): string {
  if (slug.length <= max) return slug
  const hyphen = slug.lastIndexOf('-', max)
  return (hyphen > 0 ? slug.slice(0, hyphen) : slug.slice(0, max)).replace(/-+$/, '')
}

/** The first of `base`, `base-2`, `base-3`… that `taken` says is free, each within 120 characters. */
export function uniqueSlug (base: string, taken: (slug: string) => boolean): string {
  if (!taken(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${fit(base, MAX - String(n).length - 1)}-${n}`
    if (!taken(candidate)) return candidate
  }
}

/** Route keys: all digits is an id, anything else a slug. */
export function parseKey (key: string): { id: number } | { slug: string } {
  return /^\d+$/.test(key) ? { id: Number(key) } : { slug: key }
}
