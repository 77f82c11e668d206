/**
 * The load generator. run.ts forks it (`--import tsx`) as its own process so that the
 * client never shares an event loop with the server it measures. It takes one job at a
 * time over IPC, runs autocannon for the warm-up and the measured seconds on the same
 * connections, and answers with a summary of the measured part: throughput, latency
 * percentiles at sub-millisecond resolution
 * (autocannon's own histogram rounds to whole milliseconds) and the status of every
 * response checked against the status a correct server gives.
 */
import autocannon from 'autocannon'

export interface RequestSpec {
  /** Groups requests of a mixed run in the summary, e.g. `read` or `write`. */
  label: string
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  /** `{n}` is replaced by a number unique to the loader process, for unique titles. */
  body?: string
  /** The status a correct server answers with. */
  expect: number
}

export interface LoadJob {
  id: number
  origin: string
  connections: number
  warmupSeconds: number
  seconds: number
  /** Sent in this order, round-robin over all connections, one per request. */
  requests: RequestSpec[]
}

export interface StatusTally { requests: number, unexpected: number, statuses: Record<string, number> }

export interface LoadSummary extends StatusTally {
  seconds: number
  rps: number
  latencyMs: { mean: number, p50: number, p90: number, p99: number, max: number }
  /** Socket errors and timeouts: requests that got no response at all. */
  errors: number
  timeouts: number
  byLabel: Record<string, StatusTally>
  /** Responses received in each second of the measured run (a 0 is a stall). */
  perSecond: number[]
  /** The five slowest answered requests of the measured run. */
  slowest: Array<{ ms: number, status: number, method: string, path: string, /** the second of the run it was answered in */ second: number }>
}

export type LoaderMessage =
  | { type: 'phase', id: number, phase: 'warmup' | 'measure' }
  | { type: 'done', id: number, summary: LoadSummary }
  | { type: 'failed', id: number, message: string }

let unique = 0

function tally (into: StatusTally, status: number, expected: number) {
  into.requests++
  into.statuses[status] = (into.statuses[status] ?? 0) + 1
  if (status !== expected) into.unexpected++
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/**
 * One autocannon run of warm-up + measured seconds on the same connections: a fresh
 * connection's first request can wait behind a saturated server's whole backlog (see
 * bench/README.md), so connections are opened during the warm-up and only responses
 * after it are counted.
 */
async function runJob (job: LoadJob): Promise<LoadSummary> {
  const total: StatusTally = { requests: 0, unexpected: 0, statuses: {} }
  const byLabel: Record<string, StatusTally> = {}
  let latencies = new Float64Array(1 << 16)
  let count = 0
  let next = 0
  let errors = 0
  let timeouts = 0
  let measuredFrom: number | null = null
  // autocannon calls onResponse, then emits `response` for the same reply: this carries the request across.
  let answered: { spec: RequestSpec, status: number } | null = null
  const slowest: LoadSummary['slowest'] = []
  const perSecond: number[] = []

  const instance = autocannon({
    url: job.origin,
    connections: job.connections,
    duration: job.warmupSeconds + job.seconds,
    timeout: 10,
    requests: [{
      setupRequest (request, context) {
        const spec = job.requests[next++ % job.requests.length]
        context.spec = spec
        return {
          ...request,
          method: spec.method,
          path: spec.path,
          headers: { ...spec.headers },
          body: spec.body === undefined ? Buffer.alloc(0) : spec.body.replaceAll('{n}', String(++unique))
        }
      },
      onResponse (status, _body, context) {
        const spec = context.spec as RequestSpec
        answered = { spec, status }
      }
    }]
  })
  const measure = () => {
    measuredFrom = performance.now()
    process.send?.({ type: 'phase', id: job.id, phase: 'measure' } satisfies LoaderMessage)
  }
  instance.once('start', () => {
    if (job.warmupSeconds > 0) {
      process.send?.({ type: 'phase', id: job.id, phase: 'warmup' } satisfies LoaderMessage)
      setTimeout(measure, job.warmupSeconds * 1000)
    } else {
      measure()
    }
  })
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    const reply = answered
    answered = null
    if (measuredFrom === null || !reply) return
    tally(total, reply.status, reply.spec.expect)
    tally(byLabel[reply.spec.label] ??= { requests: 0, unexpected: 0, statuses: {} }, reply.status, reply.spec.expect)
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[count++] = ms
    const second = Math.floor((performance.now() - measuredFrom) / 1000)
    while (perSecond.length <= second) perSecond.push(0)
    perSecond[second]++
    if (slowest.length < 5 || ms > slowest[slowest.length - 1].ms) {
      slowest.push({ ms, status: reply.status, method: reply.spec.method, path: reply.spec.path, second: second + 1 })
      slowest.sort((a, b) => b.ms - a.ms)
      slowest.length = Math.min(slowest.length, 5)
    }
  })
  instance.on('reqError', (err: Error) => {
    if (measuredFrom === null) return
    errors++
    if (err.message === 'request timed out') timeouts++
  })
  await instance
  const seconds = measuredFrom === null ? 0 : (performance.now() - measuredFrom) / 1000
  const sorted = latencies.subarray(0, count).sort()
  let sum = 0
  for (const ms of sorted) sum += ms
  return {
    ...total,
    seconds,
    rps: seconds ? total.requests / seconds : 0,
    latencyMs: {
      mean: count ? sum / count : 0,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: count ? sorted[count - 1] : 0
    },
    errors,
    timeouts,
    byLabel,
    // The last second may be a fraction: autocannon stops on its own timer.
    perSecond: perSecond.slice(0, Math.floor(seconds)),
    slowest
  }
}

if (process.send) {
  // Jobs run one at a time: the parent waits for `done` before it sends the next.
  process.on('message', (job: LoadJob) => {
    runJob(job).then(
      (summary) => process.send?.({ type: 'done', id: job.id, summary } satisfies LoaderMessage),
      (err: Error) => process.send?.({ type: 'failed', id: job.id, message: err.message } satisfies LoaderMessage)
    )
  })
  // The parent went away (finished, crashed or was killed): nothing is left to do.
  process.on('disconnect', () => process.exit(0))
}
