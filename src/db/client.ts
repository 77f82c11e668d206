import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import * as schema from './schema.js'
import { forgetSummaries } from './summaries.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/** The database or a transaction on it: what query functions that may run inside a write take. */
export type Queryable = BaseSQLiteDatabase<'sync', unknown, typeof schema>

// src/db and dist/db are both two levels below the project root.
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

const STATEMENT_CACHE_SIZE = 500

/**
 * Drizzle prepares every query afresh; preparing is a tenth of a read's CPU time.
 * better-sqlite3 statements are reusable, so prepare returns a cached statement for SQL
 * it has seen (bounded, least recently used dropped: a client cycling through sorts,
 * filters and page sizes, each its own text, cannot push out the statements every page
 * view uses). Statements are used synchronously right after prepare, so sharing one is
 * safe; raw mode is reset because Drizzle turns it on per call.
 */
function cacheStatements (sqlite: Database.Database) {
  const prepare = sqlite.prepare.bind(sqlite)
  const cache = new Map<string, Database.Statement>()
  sqlite.prepare = function cachedPrepare (source: string) {
    let statement = cache.get(source)
    if (statement === undefined) {
      statement = prepare(source)
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    } else {
      cache.delete(source)
      if (statement.reader) statement.raw(false)
    }
    cache.set(source, statement)
    return statement
  } as typeof sqlite.prepare
}

/** DATABASE_PATH could not be opened as a database (server.ts prints it on one line). */
export class DatabaseOpenError extends Error {
  constructor (readonly path: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'DatabaseOpenError'
  }
}

/**
 * Creates `folder` and its missing parents one level at a time: a recursive mkdirSync
 * never returns for a path under /proc on Node 20, where this gives ENOENT at once.
 */
function makeFolders (folder: string) {
  const missing: string[] = []
  for (let at = folder; !existsSync(at); at = dirname(at)) {
    missing.unshift(at)
    if (dirname(at) === at) break
  }
  for (const level of missing) mkdirSync(level)
}

/**
 * Opens (creating the folder if needed) and migrates the database.
 * WAL lets readers run while a write commits; synchronous=FULL makes every commit that
 * answered 2xx survive power loss and kill -9 (see README, "Durability").
 */
export function openDatabase (path: string): Db {
  let sqlite: Database.Database
  try {
    if (path !== ':memory:' && !path.startsWith('file:')) {
      makeFolders(dirname(resolve(path)))
      // A new file is its owner's alone: it holds webhook secrets, emails and drafts.
      // SQLite gives the -wal and -shm files the same mode. An existing file keeps its own.
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
    }
    sqlite = new Database(path)
    sqlite.pragma('journal_mode = WAL')
  } catch (err) {
    throw new DatabaseOpenError(path, err)
  }
  cacheStatements(sqlite)
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = drizzle(sqlite, { schema }) as Db
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  writeTransactionsImmediate(db)
  return db
}

/**
 * Runs `work` holding the write lock: the read of the row a write starts from, its
 * If-Match check and the write itself then see no other process's write in between (two
 * workers' PATCHes with the same If-Match: one gets 412). The write functions'
 * transactions nest inside as savepoints. Announce the change after this returns.
 *
 * Another process may have committed after this request's check (otherWrites) and
 * before the lock was taken, typically while this one waited for it: the summaries and
 * profiles held in memory, which the If-Match check renders, are then forgotten here.
 * The check itself is left to notice the same commit at the next request, which also
 * forgets counts and responses.
 */
export function writeLocked<T> (db: Db, work: () => T): T {
  return db.transaction(() => {
    const checked = checkedVersions.get(db)
    if (checked !== undefined && dataVersion(db) !== checked) forgetSummaries(db)
    return work()
  })
}

/**
 * Every transaction in this code base writes, so each takes the write lock when it begins
 * (BEGIN IMMEDIATE), waiting up to the busy timeout for another process's write. A
 * deferred one that read first would fail at once with "database is locked" when another
 * process (WORKERS, the CLI) committed in between: SQLite cannot wait there, since the
 * transaction has already read data that is no longer current. A caller may still pass
 * its own `behavior`.
 */
function writeTransactionsImmediate (db: Db) {
  const transaction = db.transaction.bind(db)
  db.transaction = function immediateTransaction (run, config) {
    return transaction(run, { behavior: 'immediate', ...config })
  } as typeof db.transaction
}

/**
 * How many `sqlite_stat4` samples the file holds (0 without ANALYZE, which the server never
 * runs). With them, SQLite re-prepares a statement on every run whose parameter meets an
 * indexed column (`live_at <= ?`, `tag_id = ?`): 20–40 µs on each list read.
 */
export function statisticsSamples (db: Db): number {
  const table = db.$client.prepare("select 1 from sqlite_master where type = 'table' and name = 'sqlite_stat4'").get()
  if (table === undefined) return 0
  return (db.$client.prepare('select count(*) from sqlite_stat4').pluck().get() as number) ?? 0
}

/**
 * SQLite's `data_version`: it moves for other connections' commits only, never for this
 * one's (another server process on the same file, the CLI, a `sqlite3` shell), and
 * reading it costs about 2 µs.
 */
export function dataVersion (db: Db): number {
  return db.$client.prepare('PRAGMA data_version').pluck().get() as number
}

/** The `data_version` each database's requests last checked (otherWrites), for writeLocked. */
const checkedVersions = new WeakMap<object, number>()

/** Whether another connection has committed to the database since the last call (its own statement: asked on every request). */
export function otherWrites (db: Db): () => boolean {
  const statement = db.$client.prepare('PRAGMA data_version').pluck()
  checkedVersions.set(db, statement.get() as number)
  return function writtenElsewhere () {
    const version = statement.get() as number
    if (version === checkedVersions.get(db)) return false
    checkedVersions.set(db, version)
    return true
  }
}
