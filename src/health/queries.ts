import { sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'

export function databaseAnswers (db: Db): boolean {
  try {
    return db.get<{ ok: number }>(sql`select 1 as ok`)?.ok === 1
  } catch {
    return false
  }
}
