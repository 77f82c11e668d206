/**
 * Writes to the change log. Called by every mutation inside its transaction, so a
 * change and its record commit together or not at all.
 */
import type { Queryable } from '../db/client.js'
import { changeEvents } from '../db/schema.js'

export type Resource = 'article' | 'author' | 'category' | 'tag' | 'comment'

export interface ChangeRecord {
  resource: Resource
  id: number
  publicBefore: boolean
  publicAfter: boolean
  ownerAuthorId?: number | null
}

export function recordChanges (tx: Queryable, changes: ChangeRecord[], at: number): void {
  if (!changes.length) return
  tx.insert(changeEvents).values(changes.map((c) => ({
    resource: c.resource,
    resourceId: c.id,
    publicBefore: c.publicBefore,
    publicAfter: c.publicAfter,
    ownerAuthorId: c.ownerAuthorId ?? null,
    at
  }))).run()
}

/** Authors, categories and tags are public for as long as they exist. */
export function recordPublic (tx: Queryable, resource: Resource, id: number, op: 'create' | 'update' | 'delete', at: number): void {
  recordChanges(tx, [{ resource, id, publicBefore: op !== 'create', publicAfter: op !== 'delete' }], at)
}
