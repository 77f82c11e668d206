/**
 * The comment allowance shared across WORKERS (src/lib/shared-rate-limit.ts): the counts
 * the primary keeps, and what happens when a worker or the primary goes away.
 * workers.test.ts checks the allowance through two real workers.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sharedRateLimitStore, WindowCounts } from '../src/lib/shared-rate-limit.js'

const run = promisify(execFile)
const script = new URL('./rate-limit-cluster.ts', import.meta.url).pathname

t.test('fixed windows per key, the least recently used key dropped first', async (t) => {
  const counts = new WindowCounts(2)
  t.same(counts.incr('a', 60_000, 0), { current: 1, ttl: 60_000 })
  t.same(counts.incr('a', 60_000, 10_000), { current: 2, ttl: 50_000 }, 'the window runs from the first request')
  t.same(counts.incr('a', 60_000, 60_000), { current: 1, ttl: 60_000 }, 'a new window once it is over')
  counts.incr('b', 60_000, 60_001)
  counts.incr('a', 60_000, 60_002) // a is now the most recently used
  counts.incr('c', 60_000, 60_003) // over capacity: b goes
  t.equal(counts.incr('a', 60_000, 60_004).current, 3, 'a kept its count')
  t.equal(counts.incr('b', 60_000, 60_005).current, 1, 'b was dropped')
})

t.test('a process serving alone keeps the plugin\'s own store', async (t) => {
  t.equal(sharedRateLimitStore(0), undefined)
  t.equal(sharedRateLimitStore(1), undefined, 'not a cluster worker')
})

t.test('the primary outlives workers that die with questions in flight', async (t) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, 'dying-workers'], { timeout: 60_000 })
  t.same(JSON.parse(stdout.trim().split('\n').pop()!), { survived: 8 })
})

t.test('a worker whose primary does not answer counts by itself within a second', async (t) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, 'silent-primary'], { timeout: 30_000 })
  const result = JSON.parse(stdout.trim().split('\n').pop()!)
  t.match(result, { err: null, current: 1 })
  t.ok(result.waitedMs >= 900 && result.waitedMs < 5000, `answered after ${result.waitedMs} ms`)
})
