/**
 * Run by shared-rate-limit.test.ts as its own process tree (node --import tsx), with the
 * case to play in argv[2]. Prints one JSON line with what it saw.
 */
import cluster from 'node:cluster'
import { answerRateLimits, sharedRateLimitStore, WindowCounts } from '../src/lib/shared-rate-limit.js'

const scenario = process.argv[2]

if (cluster.isPrimary) {
  if (scenario === 'dying-workers') {
    // Workers that die with questions in flight: the primary must outlive every one.
    const counts = new WindowCounts()
    let forks = 0
    const fork = () => {
      if (forks++ >= 8) { console.log(JSON.stringify({ survived: forks - 1 })); process.exit(0) }
      const worker = cluster.fork({ BROADSHEET_WORKER: '1' })
      answerRateLimits(worker, counts)
      worker.on('exit', fork)
    }
    fork()
  } else {
    // A primary that never answers: the worker must count by itself within a second.
    const worker = cluster.fork({ BROADSHEET_WORKER: '1' })
    worker.on('message', (message: { result?: unknown }) => {
      if (message.result) { console.log(JSON.stringify(message.result)); worker.kill(); process.exit(0) }
    })
  }
} else if (scenario === 'dying-workers') {
  for (let id = 0; id < 200; id++) process.send!({ type: 'broadsheet:rate-limit', id, key: `k${id}`, timeWindow: 60_000 })
  process.kill(process.pid, 'SIGKILL')
} else {
  const Store = sharedRateLimitStore(1)!
  const store = new Store({} as never).child({ routeInfo: { method: 'POST', url: '/comments' } } as never)
  const started = Date.now()
  store.incr('203.0.113.1', (err, result) => {
    process.send!({ result: { err: err?.message ?? null, current: result?.current, waitedMs: Date.now() - started } })
  }, 60_000, 5)
}
