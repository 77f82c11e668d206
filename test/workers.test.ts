/**
 * WORKERS=2, the real process tree: two workers behind one port, each answering what
 * the other wrote; a worker that dies is replaced; SIGTERM stops them all with exit 0.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, waitForOk } from '../scripts/processes.js'

const root = new URL('..', import.meta.url).pathname
const ADMIN = 'workers-test-admin-token-0123456789abcdef'

/** The pids of a process's children, from /proc. */
function childrenOf (pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return [] // it has exited
  }
}

t.test('two workers share the port and the data; a dead worker is replaced; SIGTERM stops all with exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-workers-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // A webhook receiver: each event must arrive once, though two processes wrote it.
  const received: Array<{ event: string, id: number }> = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => {
      received.push({ event: String(req.headers['broadsheet-event']), id: JSON.parse(body).data?.id })
      res.end()
    })
  })
  receiver.listen(0, '127.0.0.1')
  await once(receiver, 'listening')
  t.teardown(() => receiver.close())

  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_PATH: join(dir, 'b.db'), WORKERS: '2', LOG_LEVEL: 'info', BOOTSTRAP_ADMIN_TOKEN: ADMIN, WEBHOOK_ALLOW_PRIVATE: 'true', COMMENT_RATE_LIMIT: '3' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  t.teardown(() => {
    for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL')
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const base = `http://127.0.0.1:${port}`
  await waitForOk(`${base}/health/ready`)
  const workers = childrenOf(child.pid!)
  t.equal(workers.length, 2, 'two worker processes')

  // Every request on a new connection: the primary hands connections out in turn.
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { connection: 'close' } })
    return { status: res.status, json: await res.json() as any }
  }
  const tagCounts = async () => (await Promise.all(Array.from({ length: 6 }, () => get('/v1/tags')))).map((r) => r.json.meta.total)
  const before = await tagCounts()
  t.equal(new Set(before).size, 1, `every worker counts the same tags (${before})`)

  const created = await fetch(`${base}/v1/tags`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ name: 'Seen By Both' })
  })
  t.equal(created.status, 201)
  const after = await tagCounts()
  t.same(after, after.map(() => before[0] + 1), `every worker counts the new tag at once (${after})`)
  t.ok((await Promise.all(Array.from({ length: 4 }, () => get('/v1/tags/seen-by-both')))).every((r) => r.status === 200), 'and serves it')

  const hook = await fetch(`${base}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, events: ['article.published'] })
  })
  t.equal(hook.status, 201)

  // Writes from both workers at once: each waits for the other's (never "database is locked").
  const articleTotals = async () => (await Promise.all(Array.from({ length: 6 }, () => get('/v1/articles?perPage=1')))).map((r) => r.json.meta.total)
  const [articlesBefore] = await articleTotals()
  const statuses = await Promise.all(Array.from({ length: 60 }, async (_, i) => (await fetch(`${base}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ title: `Concurrent ${i}`, authorId: 1, status: 'published', tagIds: [1, 2], body: `## One\n\nText ${i}.\n\n## Two\n\nMore.` })
  })).status))
  t.same([...new Set(statuses)], [201], `60 concurrent creates through both workers all succeed (${statuses.filter((s) => s !== 201)})`)
  t.same(await articleTotals(), Array(6).fill(articlesBefore + 60), 'and every worker counts them')
  for (let i = 0; i < 100 && received.length < 60; i++) await sleep(100)
  await sleep(600) // a second sender would have sent its copies by now
  t.equal(received.length, 60, 'one webhook delivery per published article')
  t.equal(new Set(received.map((r) => r.id)).size, 60, 'none twice')

  // If-Match holds across processes: of 20 PATCHes sent with the same ETag, one wins.
  const target = (await get('/v1/articles/concurrent-7')).json.data
  const etag = (await fetch(`${base}/v1/articles/${target.id}`, { headers: { connection: 'close' } })).headers.get('etag')!
  const patches = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await fetch(`${base}/v1/articles/${target.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'if-match': etag, connection: 'close' },
    body: JSON.stringify({ title: `Edit ${i}` })
  })).status))
  t.same(patches.filter((s) => s === 200).length, 1, `one PATCH wins (${patches})`)
  t.same(patches.filter((s) => s === 412).length, 19, 'the others get 412')

  // One comment allowance per address, whichever worker each connection reaches.
  const comment = async () => {
    const res = await fetch(`${base}/v1/articles/${target.id}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ authorName: 'Busy Reader', authorEmail: 'busy@mail.example', body: 'Another thought.' })
    })
    await res.arrayBuffer()
    return `${res.status} ${res.headers.get('x-ratelimit-remaining') ?? res.headers.get('retry-after')}`
  }
  const submitted: string[] = []
  for (let i = 0; i < 6; i++) submitted.push(await comment())
  t.match(submitted, ['201 2', '201 1', '201 0', /^429 \d+$/, /^429 \d+$/, /^429 \d+$/], `COMMENT_RATE_LIMIT=3 holds across both workers (${submitted})`)

  process.kill(workers[0], 'SIGKILL')
  let replaced: number[] = []
  for (let i = 0; i < 100 && !(replaced.length === 2 && !replaced.includes(workers[0])); i++) {
    await sleep(100)
    replaced = childrenOf(child.pid!)
  }
  t.equal(replaced.length, 2, 'a new worker took the dead one\'s place')
  t.notOk(replaced.includes(workers[0]))
  const listened = () => output.match(/Server listening at/g)?.length ?? 0
  for (let i = 0; i < 300 && listened() < 3; i++) await sleep(100)
  t.equal(listened(), 3, 'the new worker listens')
  t.same(await tagCounts(), after, 'and serves the same data')
  t.match(await comment(), /^429 /, 'the new worker keeps the allowance: the primary counts it')

  child.kill('SIGTERM')
  const [code, signal] = await Promise.race([exited, sleep(15_000).then(() => [null, 'timeout'] as const)])
  t.equal(code, 0, `the primary exits 0 (signal ${signal}; output: ${output.slice(-1000)})`)
  t.ok(replaced.every((pid) => { try { process.kill(pid, 0); return false } catch { return true } }), 'and no worker is left')
  t.match(output, /a worker died; starting another/, 'the death was logged')
})

t.test('SIGTERM while the workers are still starting: they start, then stop, and the primary exits 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-workers-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_PATH: join(dir, 'b.db'), WORKERS: '2', DEMO_CONTENT: 'false', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  let output = ''
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk) => {
    output += chunk
    if (output.includes('started the workers')) resolve()
  }))
  child.kill('SIGTERM')
  const [code] = await Promise.race([exited, sleep(20_000).then(() => [null] as const)])
  t.equal(code, 0, 'exit 0, no worker killed')
})
