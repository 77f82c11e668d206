/** Milliseconds since the epoch; one place to read the clock so tests can reason about it. */
export function now (): number {
  return Date.now()
}

// Lists format three timestamps per item, and the same articles are read over and over:
// a formatted date is kept, which is 8× cheaper than a Date and its toISOString each time.
// The cache is direct-mapped (a slot per hash of the time, a newer time takes the slot
// over): no hash table to probe, so a list of varied articles (a tag page, a deep page)
// does not miss the CPU caches on one for each date.
const SLOTS = 1 << 14
const times = new Float64Array(SLOTS).fill(Number.NaN)
const texts: string[] = new Array<string>(SLOTS).fill('')

export function iso (ms: number): string
export function iso (ms: number | null): string | null
export function iso (ms: number | null): string | null {
  if (ms === null) return null
  // The low 32 bits of the milliseconds, mixed (Fibonacci hashing): the top 14 bits.
  const slot = Math.imul(ms | 0, 0x9E3779B1) >>> 18
  if (times[slot] === ms) return texts[slot]
  const text = new Date(ms).toISOString()
  times[slot] = ms
  texts[slot] = text
  return text
}
