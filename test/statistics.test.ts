/**
 * A database file with ANALYZE's sqlite_stat4 samples makes SQLite prepare list statements
 * again on every request: the server says so at start, and is quiet without them.
 */
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { defaultSizes, generate } from '../bench/generate.js'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'

const path = join(mkdtempSync(join(tmpdir(), 'broadsheet-stats-')), 'stats.db')
generate(path, { ...defaultSizes(300), tags: 50, authors: 20 }).$client.close()

/** The warnings logged while an app starts on the file, and the app's answer to a list read. */
async function start (): Promise<{ warnings: string[], status: number }> {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const app = await buildApp(testConfig({ databasePath: path }), { logger: { level: 'warn', stream } })
  const status = (await app.inject('/v1/articles')).statusCode
  await app.close()
  return { warnings: lines.filter((line) => JSON.parse(line).level === 40).map((line) => JSON.parse(line).msg), status }
}

t.test('quiet on a file the server made', async (t) => {
  const { warnings, status } = await start()
  t.equal(status, 200)
  t.same(warnings, [])
})

t.test('a warning naming sqlite_stat4 after ANALYZE, gone once the samples are deleted', async (t) => {
  const db = new Database(path)
  db.exec('analyze')
  t.ok((db.prepare('select count(*) from sqlite_stat4').pluck().get() as number) > 0, 'ANALYZE wrote samples')
  db.close()
  const analyzed = await start()
  t.equal(analyzed.status, 200)
  t.equal(analyzed.warnings.length, 1)
  t.match(analyzed.warnings[0], /sqlite_stat4.*DELETE FROM sqlite_stat4/)
  const cleaned = new Database(path)
  cleaned.exec('delete from sqlite_stat4')
  cleaned.close()
  t.same((await start()).warnings, [])
})
