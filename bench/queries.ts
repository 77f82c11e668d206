/**
 * Where one request's time goes, without load: builds the app on a copy of a bench
 * dataset, sends each path through `inject` many times, and times every SQL statement it
 * prepares and runs. What is left of the request time is JavaScript: building the
 * queries, mapping rows, serializing, hooks.
 *
 *   npx tsx bench/queries.ts [--articles N] [--repeat R] [PATH …]
 */
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { ensureDataset, removeDatabase, scratchCopy } from './dataset.js'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { articles: { type: 'string', default: '100000' }, repeat: { type: 'string', default: '200' } }
})
const paths = positionals.length ? positionals : ['/v1/articles', '/v1/articles/article-5000', '/v1/articles?tag=tag-1', '/v1/articles?category=category-1', '/v1/articles?page=500', '/v1/authors/author-1', '/v1/tags?sort=-articleCount']
const repeat = Number(args.repeat)

interface Timing { sql: string, prepares: number, prepareMs: number, runs: number, runMs: number }

const dataset = await ensureDataset(Number(args.articles))
const scratch = scratchCopy(dataset, 'queries')
const app = await buildApp(testConfig({ databasePath: scratch, responseCacheBytes: 0 }))
try {
  const client = app.db.$client
  const prepare = client.prepare.bind(client)
  const timings = new Map<string, Timing>()
  let recording = false
  const wrapped = new WeakSet<object>()
  const timingOf = (sql: string) => {
    let t = timings.get(sql)
    if (!t) timings.set(sql, t = { sql, prepares: 0, prepareMs: 0, runs: 0, runMs: 0 })
    return t
  }
  client.prepare = ((sql: string) => {
    const started = performance.now()
    const statement = prepare(sql)
    if (recording) {
      const t = timingOf(sql)
      t.prepares++
      t.prepareMs += performance.now() - started
    }
    // The database caches statements: wrap each one once, or timings would nest.
    if (wrapped.has(statement)) return statement
    wrapped.add(statement)
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = (statement as any)[method].bind(statement)
      ;(statement as any)[method] = (...params: unknown[]) => {
        if (!recording) return original(...params)
        const began = performance.now()
        try { return original(...params) } finally {
          const t = timingOf(sql)
          t.runs++
          t.runMs += performance.now() - began
        }
      }
    }
    return statement
  }) as typeof client.prepare

  for (const path of paths) {
    const first = await app.inject({ method: 'GET', url: path })
    if (first.statusCode !== 200) process.stdout.write(`\n${path}: status ${first.statusCode} ${first.body.slice(0, 200)}\n`)
    timings.clear()
    recording = true
    const started = performance.now()
    for (let i = 0; i < repeat; i++) await app.inject({ method: 'GET', url: path })
    const totalMs = (performance.now() - started) / repeat
    recording = false
    const rows = [...timings.values()].sort((a, b) => (b.prepareMs + b.runMs) - (a.prepareMs + a.runMs))
    const sqlMs = rows.reduce((n, t) => n + t.prepareMs + t.runMs, 0) / repeat
    process.stdout.write(`\n## GET ${path}\n\n${totalMs.toFixed(2)} ms per request through inject, ${sqlMs.toFixed(2)} ms of it in SQLite ` +
      `(${(rows.reduce((n, t) => n + t.runs, 0) / repeat).toFixed(1)} statements run, ${(rows.reduce((n, t) => n + t.prepares, 0) / repeat).toFixed(1)} prepared per request), ` +
      `${(totalMs - sqlMs).toFixed(2)} ms elsewhere.\n\n| prepare ms | run ms | runs/req | statement |\n|---:|---:|---:|---|\n`)
    for (const t of rows.slice(0, 10)) {
      process.stdout.write(`| ${(t.prepareMs / repeat).toFixed(3)} | ${(t.runMs / repeat).toFixed(3)} | ${(t.runs / repeat).toFixed(1)} | \`${t.sql.replace(/\s+/g, ' ').slice(0, 220)}\` |\n`)
    }
  }
} finally {
  await app.close()
  removeDatabase(scratch)
}
