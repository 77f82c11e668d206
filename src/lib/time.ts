/** Milliseconds since the epoch; one place to read the clock so tests can reason about it. */
export function now (): number {
  return Date.now()
}

export function iso (ms: number): string
export function iso (ms: number | null): string | null
export function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
