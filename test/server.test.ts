/**
 * The real server process: configuration errors, demo content on an empty database,
 * and a clean stop on SIGTERM.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { waitForOk as waitFor } from '../scripts/processes.js'

const root = new URL('..', import.meta.url).pathname

function start (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  return { child, stderr: () => stderr }
}

t.test('a bad configuration value stops the start with one line naming the variable', async (t) => {
  for (const [name, value] of [['PORT', 'abc'], ['PORT', '70000'], ['LOG_LEVEL', 'loud'], ['DEMO_CONTENT', 'maybe'], ['HOST', 'a b'], ['WORKERS', '0'], ['WORKERS', 'many'], ['WORKERS', '2'],
    ['CORS_WRITE_ORIGINS', 'https://admin.example.com/'], ['CORS_WRITE_ORIGINS', 'not an origin'], ['CORS_WRITE_ORIGINS', 'https://Admin.example.com'],
    ['TRUST_PROXY', 'everyone'], ['TRUST_PROXY', 'dead'], ['TRUST_PROXY', '10.0.0.1/33'], ['TRUST_PROXY', '10.0.0.1/0'], ['TRUST_PROXY', '1,2']]) {
    const { child, stderr } = start({ [name]: value, DATABASE_PATH: ':memory:' })
    const [code] = await once(child, 'exit')
    t.equal(code, 1, `${name}=${value} exits 1`)
    const lines = stderr().trim().split('\n')
    t.equal(lines.length, 1, 'one line')
    t.match(lines[0], new RegExp(`^broadsheet: invalid configuration: ${name} `))
  }
})

t.test('a database path that cannot be opened stops the start with one line naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-bad-path-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const text = join(dir, 'notes.txt')
  writeFileSync(text, 'not a database, but long enough to be read as a header: '.repeat(10))
  // Under /proc a recursive mkdir never returns on Node 20: this one must answer at once.
  for (const path of [text, join(text, 'broadsheet.db'), '/proc/no-such-folder/broadsheet.db']) {
    const { child, stderr } = start({ DATABASE_PATH: path })
    const [code] = await once(child, 'exit')
    t.equal(code, 1, `${path} exits 1`)
    const lines = stderr().trim().split('\n')
    t.equal(lines.length, 1, `one line: ${stderr()}`)
    t.match(lines[0], /^broadsheet: cannot open DATABASE_PATH "/)
  }
})

t.test('serves demo content from a new database file and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-'))
  const port = String(20000 + Math.floor(Math.random() * 20000))
  const { child } = start({ PORT: port, DATABASE_PATH: join(dir, 'nested', 'broadsheet.db') })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  await waitFor(`${base}/health/ready`)
  const articles = await (await fetch(`${base}/v1/articles?perPage=100`)).json()
  t.ok(articles.meta.total >= 6, 'at least 6 published articles')
  const one = await (await fetch(`${base}/v1/articles/${articles.data[0].slug}`)).json()
  t.ok(one.data.toc.length >= 2, 'with a table of contents')
  t.ok((await (await fetch(`${base}/v1/categories`)).json()).data.some((c: any) => c.parentId !== null), 'a nested category')
  t.ok((await (await fetch(`${base}/v1/tags?perPage=100`)).json()).meta.total >= 8)
  t.ok((await (await fetch(`${base}/v1/authors`)).json()).meta.total >= 2)
  for (const file of ['broadsheet.db', 'broadsheet.db-wal', 'broadsheet.db-shm']) {
    t.equal((statSync(join(dir, 'nested', file)).mode & 0o777).toString(8), '600', `${file} is its owner's alone`)
  }
  // Requests in flight when SIGTERM arrives still get their answers.
  const inFlight = Array.from({ length: 20 }, () => fetch(`${base}/v1/articles?perPage=50&fields=body`).then((r) => r.status))
  await new Promise((resolve) => setTimeout(resolve, 5))
  child.kill('SIGTERM')
  const statuses = await Promise.all(inFlight.map((p) => p.catch(() => 'refused')))
  t.ok(statuses.every((s) => s === 200 || s === 503 || s === 'refused'), `in-flight answers: ${statuses.join(',')}`)
  t.ok(statuses.filter((s) => s === 200).length > 0)
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'exits 0')
})
