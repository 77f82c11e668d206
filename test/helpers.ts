/**
 * Test helpers: every test file builds its own app on a fresh in-memory database
 * (migrated exactly as at start) and closes it in teardown. Tests speak HTTP via inject.
 */
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp } from '../src/app.js'
import { testConfig, type Config } from '../src/config.js'
import { createKey } from '../src/keys/queries.js'
import type { Role } from '../src/lib/caller.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Teardown { teardown: (fn: () => unknown) => void }

export async function build (t: Teardown, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(overrides))
  t.teardown(() => app.close())
  return app
}

/**
 * One server per `overrides` on one new database file, as WORKERS runs them (or a server
 * beside the CLI), each closed in teardown.
 */
export async function serversOnOneFile (t: Teardown, ...overrides: Partial<Config>[]): Promise<FastifyInstance[]> {
  const databasePath = join(mkdtempSync(join(tmpdir(), 'broadsheet-file-')), 'shared.db')
  const apps: FastifyInstance[] = []
  for (const override of overrides) apps.push(await build(t, { databasePath, ...override }))
  return apps
}

/**
 * Runs `commit` (another process's write, say) as `app`'s next transaction begins: after
 * a request's checks, before its write lock. The returned function says whether it ran.
 */
export function beforeNextTransaction (app: FastifyInstance, commit: () => void): () => boolean {
  const transaction = app.db.transaction
  let ran = false
  app.db.transaction = ((...args: Parameters<typeof transaction>) => {
    app.db.transaction = transaction
    commit()
    ran = true
    return transaction(...args)
  }) as typeof transaction
  return () => ran
}

/** A new API key's token for the role (author keys need the author's id). */
export function tokenFor (app: FastifyInstance, role: Role, authorId?: number): string {
  return createKey(app.db, { name: `test ${role}`, role, authorId }).token
}

export function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** inject + JSON body, for brevity in tests. */
export async function call (app: FastifyInstance, options: InjectOptions & { token?: string }) {
  const { token, ...rest } = options
  const res = await app.inject({ ...rest, headers: { ...(rest.headers ?? {}), ...(token ? bearer(token) : {}) } })
  let json: any = null
  try { json = res.body ? JSON.parse(res.body) : null } catch { json = null }
  return { res, status: res.statusCode, json, headers: res.headers }
}
