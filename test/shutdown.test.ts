/**
 * Graceful shutdown under load, on the real server process: 100 requests in flight
 * (the server has read them and is still sending their answers to clients that read
 * slowly) and one whose headers are still arriving when SIGTERM comes. Every one of them
 * gets its normal 200; a new connection after SIGTERM is refused once the listener has
 * closed; the process exits 0 well within SHUTDOWN_GRACE_MS.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { freePort, waitForOk as waitFor } from '../scripts/processes.js'
import http from 'node:http'
import net from 'node:net'

const root = new URL('..', import.meta.url).pathname
const GRACE_MS = 5000
const IN_FLIGHT = 100
const ADMIN = 'shutdown-test-admin-token-' + 'x'.repeat(24)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A response whose headers have arrived and whose body is left unread until `drain`. */
interface Held { status: number, headers: http.IncomingHttpHeaders, drain: () => Promise<string> }

/** GET on a connection of its own (no keep-alive), reading nothing of the body until asked. */
function hold (port: number, path: string, token?: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) }
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      res.pause()
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        drain: () => new Promise((done, fail) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => done(Buffer.concat(chunks).toString('utf8')))
          res.on('error', fail)
          res.resume()
        })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Tries a new connection until one is refused; how long that took, or null if it never was. */
async function refusedWithin (port: number, ms: number): Promise<number | null> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      socket.on('connect', () => { socket.destroy(); resolve('accepted') })
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
    })
    if (outcome === 'ECONNREFUSED') return Date.now() - started
    await sleep(20)
  }
  return null
}

t.test('SIGTERM with 100 requests in flight: all answered 200, new connections refused, exit 0 within the grace period', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-shutdown-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: join(dir, 'broadsheet.db'),
      DEMO_CONTENT: 'true',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      SHUTDOWN_GRACE_MS: String(GRACE_MS)
    },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const base = `http://127.0.0.1:${port}`
  await waitFor(`${base}/health/ready`)

  // Long reads on top of the demo content, so that each answer is far bigger than what
  // the sockets can buffer: the server cannot finish one until its client reads it.
  const body = Array.from({ length: 12 }, (_, i) => `## Part ${i + 1}\n\n` + 'The harbour wakes before the town does, and the ferries sing. '.repeat(16)).join('\n\n')
  for (let i = 0; i < 24; i++) {
    const res = await fetch(`${base}/v1/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ title: `Long read number ${i + 1}`, body, authorId: 1, status: 'published' })
    })
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`)
  }
  const reference = await (await fetch(`${base}/v1/articles?perPage=100&fields=body,bodyHtml,toc`)).json()
  const total: number = reference.meta.total
  t.ok(JSON.stringify(reference).length > 400_000, 'each answer is several hundred KB')

  // 100 requests, each on its own connection, alternating the anonymous (cached) and the
  // authenticated path; all read by the server (headers back) before SIGTERM.
  const paths = Array.from({ length: IN_FLIGHT }, (_, i) => `/v1/articles?perPage=${100 - (i % 50)}&fields=body,bodyHtml,toc`)
  const held = await Promise.all(paths.map((path, i) => hold(port, path, i % 2 ? ADMIN : undefined)))
  t.same([...new Set(held.map((h) => h.status))], [200], 'the server has answered all 100 (bodies still unread)')

  // And one whose headers are half sent: the server has begun reading it, not routed it.
  const late = net.connect({ host: '127.0.0.1', port })
  await once(late, 'connect')
  late.write('GET /v1/articles?perPage=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const lateAnswer = (async () => {
    const chunks: Buffer[] = []
    for await (const chunk of late) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  })()
  await sleep(100)

  const signalledAt = Date.now()
  child.kill('SIGTERM')

  const refusedAfter = await refusedWithin(port, 3000)
  t.not(refusedAfter, null, 'a new connection after SIGTERM is refused')
  t.ok(child.exitCode === null && child.signalCode === null, `refused ${refusedAfter} ms after SIGTERM, with the 100 still in flight`)
  await sleep(500)
  t.ok(child.exitCode === null && child.signalCode === null, 'half a second later the process is still waiting for its clients to read')

  late.write('Connection: close\r\n\r\n')
  const bodies = await Promise.all(held.map((h) => h.drain()))
  const parsed = bodies.map((text) => { try { return JSON.parse(text) } catch { return null } })
  t.equal(parsed.filter((json) => json?.meta?.total === total && json.data.length === Math.min(total, 100)).length, IN_FLIGHT, `all ${IN_FLIGHT} in-flight answers arrived whole`)
  const raw = await lateAnswer
  t.match(raw, /^HTTP\/1\.1 200 /, `the request whose headers straddled SIGTERM is a 200 (got "${raw.split('\r\n')[0]}")`)
  t.match(raw, /\r\nconnection: close\r\n/i, '…telling the client the connection closes')

  const [code, signal] = await Promise.race([exited, sleep(GRACE_MS + 2000).then(() => [null, 'timeout'] as const)])
  const tookMs = Date.now() - signalledAt
  t.equal(signal, null, 'not killed by a signal')
  t.equal(code, 0, 'exits 0')
  t.ok(tookMs < GRACE_MS * 0.8, `exited ${tookMs} ms after SIGTERM (SHUTDOWN_GRACE_MS=${GRACE_MS})`)
  t.notMatch(stderr, /killed by timeout|error/i, 'nothing went wrong on the way out')
})
