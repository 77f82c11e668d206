import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { apiKeys, authors } from '../db/schema.js'
import { hashToken, newToken, sameHash, tokenPrefix } from '../lib/tokens.js'
import { FieldError } from '../lib/errors.js'
import { iso, now } from '../lib/time.js'
import type { Caller, Role } from '../lib/caller.js'
import { missingIds } from '../db/lookups.js'
import { fragment, oneRow, reader } from '../db/raw.js'
import { selectPage } from '../db/pages.js'
import { pickFields, planList, type ListParams, type ListSpec } from '../lib/list.js'
import { keyListNames } from './schemas.js'

type KeyRow = typeof apiKeys.$inferSelect

const keyReader = reader<Pick<KeyRow, 'id' | 'role' | 'authorId' | 'tokenHash'>>({
  id: apiKeys.id, role: apiKeys.role, authorId: apiKeys.authorId, tokenHash: apiKeys.tokenHash
})

/** The caller a token belongs to, or null for an unknown or revoked token. */
export function callerForToken (db: Db, token: string): Caller | null {
  const hash = hashToken(token)
  // Every authenticated request asks: one hand-written statement (src/db/raw.ts).
  const values = oneRow(db, fragment(`select ${keyReader.list} from api_keys where token_hash = ? and revoked_at is null`, hash))
  const row = values && keyReader.read(values)
  // The lookup is by hash, so timing reveals nothing about the token; compare anyway
  // in constant time so that no future change to the lookup can.
  if (!row || !sameHash(row.tokenHash, hash)) return null
  return { role: row.role, keyId: row.id, authorId: row.authorId }
}

export interface NewKey { name: string, role: Role, authorId?: number | null }

/** Creates a key and returns it with its token, which is never retrievable again. */
export function createKey (db: Db, input: NewKey, token = newToken(), prefix = tokenPrefix(token)) {
  if (input.role === 'author') {
    if (input.authorId == null) throw new FieldError('/authorId', 'is required for the author role')
    if (missingIds(db, authors, [input.authorId]).length) throw new FieldError('/authorId', `author ${input.authorId} does not exist`)
  } else if (input.authorId != null) {
    throw new FieldError('/authorId', 'is only for the author role')
  }
  const row = db.insert(apiKeys).values({
    name: input.name,
    role: input.role,
    authorId: input.role === 'author' ? input.authorId ?? null : null,
    tokenHash: hashToken(token),
    tokenPrefix: prefix,
    createdAt: now()
  }).returning().get()
  return { ...toKey(row), token }
}

/**
 * What the bootstrap key shows for its token: a person chose that token, so even its
 * first characters are a real part of the secret (a generated token's are not).
 */
export const BOOTSTRAP_PREFIX = '(bootstrap)'

/** Makes sure a configured bootstrap token works as an admin key (stored hashed like any other). */
export function ensureBootstrapKey (db: Db, token: string): void {
  const existing = db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.tokenHash, hashToken(token))).get()
  if (existing) {
    db.update(apiKeys).set({ revokedAt: null, role: 'admin', authorId: null, tokenPrefix: BOOTSTRAP_PREFIX }).where(eq(apiKeys.id, existing.id)).run()
  } else {
    createKey(db, { name: 'bootstrap admin (BOOTSTRAP_ADMIN_TOKEN)', role: 'admin' }, token, BOOTSTRAP_PREFIX)
  }
}

/** Every key, oldest first (the CLI's list). */
export function allKeys (db: Db) {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.id)).all().map(toKey)
}

const keySpec: ListSpec = {
  sortable: { createdAt: { column: apiKeys.id, key: 'id' } },
  defaultSort: keyListNames.defaultSort,
  id: { column: apiKeys.id, key: 'id' },
  fields: keyListNames.fields
}

/** One page of keys, revoked ones included (never their tokens). */
export function listKeys (db: Db, query: ListParams) {
  const page = selectPage<KeyRow>(db, apiKeys, planList(keySpec, query))
  return { page, items: page.rows.map((row) => pickFields(toKey(row), page.plan.fields)) }
}

export function getKey (db: Db, id: number) {
  const row = db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()
  return row && toKey(row)
}

/** Revokes at once: the next request with this token is a 401. True if it was active. */
export function revokeKey (db: Db, id: number): boolean {
  const result = db.update(apiKeys).set({ revokedAt: now() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).run()
  return result.changes > 0
}

function toKey (row: KeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    authorId: row.authorId,
    tokenPrefix: row.tokenPrefix,
    createdAt: iso(row.createdAt),
    revokedAt: iso(row.revokedAt)
  }
}
