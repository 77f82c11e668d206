import slugifyText from '@sindresorhus/slugify'

const MAX = 120

// Generated slugs leave room for a `-N` suffix up to -999 within the 120 characters.
const GENERATED_MAX = MAX - 4

/**
 * A slug from a title or name: accents transliterated, apostrophes dropped ("O'Brien" →
 * `obrien`, as WordPress does, whichever apostrophe is typed), other punctuation a
 * hyphen, lowercase, at most 116 characters cut at a hyphen (so that `-2`… still fits in
 * 120), with at least one letter (`fallback` is prefixed when the kept part has none,
 * e.g. a title that is only a year).
 */
export function slugify (text: string, fallback: string): string {
  let slug = fit(slugifyText(text.replace(/['‘’]/g, ''), { decamelize: false }), GENERATED_MAX)
  if (!/[a-z]/.test(slug)) slug = fit(slug ? `${fallback}-${slug}` : fallback, GENERATED_MAX)
  return slug
}

/**
 * `slug` in at most `max` characters: cut at its last hyphen that fits, or mid-word when
 * that would keep less than half (one very long word), never ending in a hyphen.
 */
export function fit (slug: string, max: number): string {
  if (slug.length <= max) return slug
  const hyphen = slug.lastIndexOf('-', max)
  return (hyphen > max / 2 ? slug.slice(0, hyphen) : slug.slice(0, max)).replace(/-+$/, '')
}

/** The first of `base`, `base-2`, `base-3`… that `taken` says is free. */
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
