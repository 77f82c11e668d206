/**
 * One comment allowance per client address across WORKERS. @fastify/rate-limit counts in
 * its process's memory, so with two workers a client whose connections the primary hands
 * out in turn would get twice `COMMENT_RATE_LIMIT`. In a worker, this store asks the
 * primary instead, which keeps the count for all of them (one round trip over the
 * cluster's IPC channel, on the submission route only). A process serving alone keeps
 * the plugin's own in-memory store.
 */
import cluster, { type Worker } from 'node:cluster'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'

const ASK = 'broadsheet:rate-limit'
const ANSWER = 'broadsheet:rate-limit:answer'
const ANSWER_WITHIN_MS = 1000

interface Ask { type: typeof ASK, id: number, key: string, timeWindow: number }
interface Answer { type: typeof ANSWER, id: number, current: number, ttl: number }
type Done = (err: Error | null, result: { current: number, ttl: number }) => void

/**
 * Fixed windows per key, counted as the plugin's LocalStore counts: a window starts at a
 * key's first request and lasts `timeWindow` ms. The least recently used keys go first
 * past `capacity`.
 */
export class WindowCounts {
  private readonly windows = new Map<string, { current: number, startedAt: number }>()

  constructor (private readonly capacity = 5000) {}

  incr (key: string, timeWindow: number, at = Date.now()): { current: number, ttl: number } {
    let window = this.windows.get(key)
    if (window === undefined || window.startedAt + timeWindow <= at) window = { current: 0, startedAt: at }
    // Re-inserted, so the key is the most recently used.
    this.windows.delete(key)
    window.current++
    this.windows.set(key, window)
    if (this.windows.size > this.capacity) this.windows.delete(this.windows.keys().next().value as string)
    return { current: window.current, ttl: window.startedAt + timeWindow - at }
  }
}

function isAsk (message: unknown): message is Ask {
  return typeof message === 'object' && message !== null && (message as Ask).type === ASK
}

/**
 * In the primary: answer one worker's questions from the counts all workers share. A
 * worker that died with questions in flight cannot hear the answer: the failed send is
 * dropped (without a callback it would be an 'error' event that stops the primary).
 */
export function answerRateLimits (worker: Worker, counts: WindowCounts) {
  worker.on('message', (message: unknown) => {
    if (!isAsk(message) || !worker.isConnected()) return
    const answer: Answer = { type: ANSWER, id: message.id, ...counts.incr(message.key, message.timeWindow) }
    worker.send(answer, undefined, ignore)
  })
}

function ignore () {}

/**
 * The `store` option for @fastify/rate-limit in one of our workers (`slot` > 0, see
 * cluster.ts); undefined in a process serving alone, including a worker of some other
 * cluster primary, which would never answer. Should our primary not answer within a
 * second (it is gone, and the worker is shutting down), the worker counts by itself.
 */
export function sharedRateLimitStore (slot: number): FastifyRateLimitStoreCtor | undefined {
  if (slot === 0 || !cluster.isWorker) return undefined
  const waiting = new Map<number, { key: string, timeWindow: number, done: Done, timer?: NodeJS.Timeout }>()
  const local = new WindowCounts()
  let lastId = 0

  function countHere (id: number) {
    const question = waiting.get(id)
    if (question === undefined) return
    waiting.delete(id)
    clearTimeout(question.timer)
    question.done(null, local.incr(question.key, question.timeWindow))
  }
  process.on('message', (message: Answer) => {
    if (typeof message !== 'object' || message === null || message.type !== ANSWER) return
    const question = waiting.get(message.id)
    if (question === undefined) return
    waiting.delete(message.id)
    clearTimeout(question.timer)
    question.done(null, { current: message.current, ttl: message.ttl })
  })
  // Questions the primary will never answer now.
  process.on('disconnect', () => {
    for (const id of [...waiting.keys()]) countHere(id)
  })

  return class PrimaryStore implements FastifyRateLimitStore {
    constructor (_options: unknown, private readonly route = '') {}

    incr (key: string, done: Done, timeWindow: number) {
      const id = ++lastId
      const question = { key: `${this.route} ${key}`, timeWindow, done, timer: undefined as NodeJS.Timeout | undefined }
      waiting.set(id, question)
      if (!process.connected) return countHere(id)
      question.timer = setTimeout(countHere, ANSWER_WITHIN_MS, id)
      question.timer.unref()
      const ask: Ask = { type: ASK, id, key: question.key, timeWindow }
      process.send!(ask, undefined, undefined, (err) => { if (err) countHere(id) })
    }

    // The plugin passes the route's merged options, the route itself under `routeInfo`.
    child (options: Parameters<FastifyRateLimitStore['child']>[0]) {
      const route = (options as { routeInfo?: Partial<typeof options> }).routeInfo ?? options
      return new PrimaryStore(options, `${String(route.method ?? '')} ${route.url ?? ''}`)
    }
  }
}
