/** Records every SQL statement the app prepares, to count queries and check their plans. */
import type { FastifyInstance } from 'fastify'

export interface Logged { sql: string, params: unknown[] }

export function recordQueries (app: FastifyInstance) {
  const client = app.db.$client
  const original = client.prepare.bind(client)
  const log: Logged[] = []
  let on = false
  // The database caches statements, so the same one can come back: wrap it once.
  const wrapped = new WeakSet<object>()
  client.prepare = ((sql: string) => {
    const statement = original(sql)
    // PRAGMAs read the connection's state (data_version, asked on every request), not content.
    if (wrapped.has(statement) || /^pragma /i.test(sql)) return statement
    wrapped.add(statement)
    for (const method of ['all', 'get', 'run', 'iterate', 'values'] as const) {
      const run = (statement as any)[method]?.bind(statement)
      if (!run) continue
      ;(statement as any)[method] = (...params: unknown[]) => {
        if (on) log.push({ sql, params: params.flat() })
        return run(...params)
      }
    }
    return statement
  }) as typeof client.prepare
  return {
    async during<T> (fn: () => Promise<T>): Promise<Logged[]> {
      log.length = 0
      on = true
      try { await fn() } finally { on = false }
      return [...log]
    },
    plan (q: Logged): string[] {
      const rows = original(`explain query plan ${q.sql}`).all(...(q.params as never[])) as { detail: string }[]
      return rows.map((r) => r.detail)
    },
    restore () { client.prepare = original }
  }
}
