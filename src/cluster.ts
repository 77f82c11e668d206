/**
 * WORKERS above 1. This process, the primary, prepares the database once (migrations,
 * demo content, the bootstrap key), then forks WORKERS server processes that share the
 * port: node:cluster hands each new connection to the next worker in turn. Every worker
 * keeps its own caches and follows the others' writes (plugins/changes.ts); worker 1
 * alone runs the background jobs (scheduled publishing, webhook delivery, purges). The
 * primary counts comment submissions per client address for all of them.
 *
 * A worker that dies after it has served is started again in its place, unless workers
 * have died 5 times within a minute. One that dies before it ever listened (a port in
 * use, a database it cannot open) stops the server with exit 1, since a new one would
 * fail the same way. On SIGTERM or SIGINT each worker is told to finish its requests and
 * stop; the primary exits 0 once all have, or 1 if one failed or had to be killed after
 * its grace period. A second signal kills them now.
 */
import cluster, { type Worker } from 'node:cluster'
import pino from 'pino'
import { openDatabase } from './db/client.js'
import { ensureBootstrapKey } from './keys/queries.js'
import type { Config } from './config.js'
import { answerRateLimits, WindowCounts } from './lib/shared-rate-limit.js'

/** The message a worker gets when it should finish its requests and exit. */
export const SHUTDOWN = 'broadsheet:shutdown'
const SLOT_VARIABLE = 'BROADSHEET_WORKER'
// Workers dying this often within the window stop the server instead of being restarted.
const MAX_DEATHS = 5
const DEATH_WINDOW_MS = 60_000
// Past the workers' own grace period, the time they may take to exit before they are killed.
const EXIT_MARGIN_MS = 2000

/** In a worker, its number (1 to WORKERS); 0 in a process that serves alone. */
export function workerSlot (): number {
  return cluster.isWorker ? Number(process.env[SLOT_VARIABLE]) : 0
}

/** A worker's configuration: the primary has already prepared the database. */
export function workerConfig (config: Config, slot: number): Config {
  return { ...config, workers: 1, demoContent: false, bootstrapAdminToken: null, backgroundJobs: slot === 1 }
}

async function prepareDatabase (config: Config, log: pino.Logger) {
  const db = openDatabase(config.databasePath)
  try {
    if (config.demoContent) {
      // Only then: the demo content's write path loads the Markdown renderer and sanitizer.
      const { loadDemoContent } = await import('./demo/load.js')
      const loaded = loadDemoContent(db, config)
      if (loaded) log.info(loaded, 'loaded demo content')
    }
    if (config.bootstrapAdminToken) ensureBootstrapKey(db, config.bootstrapAdminToken)
  } finally {
    db.$client.close()
  }
}

export async function runPrimary (config: Config): Promise<void> {
  const log = pino({ level: config.logLevel }).child({ primary: true })
  await prepareDatabase(config, log)

  const workers = new Map<number, Worker>()
  const serving = new WeakSet<Worker>()
  let stopping = false
  let failed = false
  const killTimers = new Map<Worker, NodeJS.Timeout>()
  // The comment allowance per client address, one for all workers.
  const commentCounts = new WindowCounts()

  function start (slot: number) {
    const worker = cluster.fork({ [SLOT_VARIABLE]: String(slot) })
    workers.set(slot, worker)
    answerRateLimits(worker, commentCounts)
    // A message to a worker that has just died fails; its exit is handled below.
    worker.on('error', (err) => log.warn({ worker: slot, err }, 'could not reach a worker'))
    worker.once('listening', () => {
      serving.add(worker)
      // Told to stop while it was starting: it can hear that now.
      if (stopping) tell(worker, slot)
    })
    worker.once('exit', (code, signal) => {
      workers.delete(slot)
      clearTimeout(killTimers.get(worker))
      if (stopping) {
        // A Ctrl-C reaches the workers too; one still starting has no handler for it yet.
        if (code !== 0 && signal !== 'SIGINT' && signal !== 'SIGTERM') failed = true
        if (!workers.size) finish()
      } else if (!serving.has(worker)) {
        log.fatal({ worker: slot, code, signal }, 'a worker stopped before it could serve; stopping')
        failed = true
        stop()
      } else if (diedTooOften()) {
        log.fatal({ worker: slot, code, signal }, `workers died ${MAX_DEATHS} times within ${DEATH_WINDOW_MS / 1000} s; stopping`)
        failed = true
        stop()
      } else {
        log.error({ worker: slot, code, signal }, 'a worker died; starting another')
        start(slot)
      }
    })
  }

  // Workers that keep dying would be restarted forever: give up.
  let deaths: number[] = []
  function diedTooOften (): boolean {
    const at = Date.now()
    deaths = deaths.filter((t) => at - t < DEATH_WINDOW_MS)
    deaths.push(at)
    return deaths.length >= MAX_DEATHS
  }

  function stop () {
    if (stopping) return
    stopping = true
    if (!workers.size) return finish()
    // A worker still starting has no way to hear it yet: it is told once it listens, and
    // its grace period starts then.
    for (const [slot, worker] of workers) {
      if (serving.has(worker)) tell(worker, slot)
      else killLater(worker, slot)
    }
  }

  function tell (worker: Worker, slot: number) {
    if (worker.isConnected()) worker.send(SHUTDOWN)
    killLater(worker, slot)
  }

  function killLater (worker: Worker, slot: number) {
    clearTimeout(killTimers.get(worker))
    killTimers.set(worker, setTimeout(() => {
      log.error({ worker: slot }, 'a worker did not stop within the grace period: killing it')
      failed = true
      worker.process.kill('SIGKILL')
    }, config.shutdownGraceMs + EXIT_MARGIN_MS))
  }

  function killAll (why: string) {
    log.error({ workers: [...workers.keys()] }, `${why}: killing the workers`)
    failed = true
    for (const worker of workers.values()) worker.process.kill('SIGKILL')
  }

  function finish () {
    log.info({ failed }, 'all workers stopped')
    process.exit(failed ? 1 : 0)
  }

  let signals = 0
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (++signals > 1) return killAll(`second ${signal}`)
      log.info({ signal }, 'shutting down')
      stop()
    })
  }

  for (let slot = 1; slot <= config.workers; slot++) start(slot)
  log.info({ workers: config.workers }, 'started the workers')
}
