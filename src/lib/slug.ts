import slugifyText from '@sindresorhus/slugify'

const MAX = 120

/**
 * A slug from a title or name: accents transliterated, punctuation dropped, lowercase,
 * at most 120 characters (cut at a hyphen), with at least one letter (`fallback` is
 * prefixed when the text has none, e.g. a title that is only a year).
 */
export function slugify (text: string, fallback: string): string {
  let slug = slugifyText(text, { decamelize: false })
  if (slug.length > MAX) slug = slug.slice(0, MAX).replace(/-[^-]*$/, '') || slug.slice(0, MAX)
  slug = slug.replace(/^-+|-+$/g, '')
  if (!/[a-z]/.test(slug)) slug = slug ? `${fallback}-${slug}` : fallback
  return slug.slice(0, MAX - 4)
}

/** The first of `base`, `base-2`, `base-3`… that `taken` says is free. */
export function uniqueSlug (base: string, taken: (slug: string) => boolean): string {
  if (!taken(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, MAX - String(n).length - 1)}-${n}`
    if (!taken(candidate)) return candidate
  }
}

/** Route keys: all digits is an id, anything else a slug. */
export function parseKey (key: string): { id: number } | { slug: string } {
  return /^\d+$/.test(key) ? { id: Number(key) } : { slug: key }
}
