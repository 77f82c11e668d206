import t from 'tap'
import { iso } from '../src/lib/time.js'

t.test('iso formats like toISOString, from its cache or not', async (t) => {
  const times = [0, -1, -86_400_000 * 365 * 100 - 123, 1, 999, 1000, Date.UTC(2026, 10, 27, 14, 0, 0, 5), 8.64e15, -8.64e15]
  // Whole seconds, whole hours and milliseconds apart: slots shared and taken over.
  for (let i = 0; i < 50_000; i++) times.push(1_700_000_000_000 + i * 1000, 1_700_000_000_000 + i * 3_600_000, 1_790_000_000_000 + i)
  for (let round = 0; round < 2; round++) {
    const wrong = times.filter((ms) => iso(ms) !== new Date(ms).toISOString())
    t.same(wrong, [], `round ${round + 1}`)
  }
  t.equal(iso(null), null)
  t.throws(() => iso(Number.NaN), RangeError)
})
