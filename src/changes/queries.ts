/**
 * The change feed. The log (written by triggers, migrations/0003) says which resource
 * changed and whether it was public before and after; what a caller receives is decided
 * now, from the current state: an item the caller may see is an `upsert` carrying its
 * list representation, anything else a `delete` (a tombstone). Anonymous callers only
 * receive changes to things that were or are public, numbered among those alone, so a
 * draft leaves no trace.
 */
import { and, asc, eq, gt, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { appState, changeEvents } from '../db/schema.js'
import { literalLimit } from '../db/raw.js'
import { isStaff, type Caller } from '../lib/caller.js'
import { Gone } from '../lib/errors.js'
import { iso } from '../lib/time.js'
import { articleListItems, articleVisible } from '../articles/queries.js'
import { getAuthor } from '../authors/queries.js'
import { getCategory } from '../categories/queries.js'
import { getTag } from '../tags/queries.js'
import { findCommentRow, toModeratedComment, toReaderComments, type CommentRow } from '../comments/queries.js'

const PURGED_THROUGH = 'change_events_purged_through'
const PUBLIC_PURGED_THROUGH = 'change_events_public_purged_through'

export interface ChangeItem {
  seq: number
  resource: string
  id: number
  op: 'upsert' | 'delete'
  at: string
  data?: Record<string, unknown>
}

/**
 * A place in a log: the whole log (`seq`), which API keys read, or the public events
 * alone (`public_seq`, numbered by a trigger, migrations/0006), which anonymous callers
 * read. Counting in the whole log, an anonymous reader would see the hidden writes in
 * the gaps between the numbers and in a cursor that moves past them. `reader` says whom
 * the cursor was made for (`public`, `staff`, or `author:ID`): each sees other items, so
 * a cursor is good for its own reader only.
 */
export interface FeedPosition { reader: string, n: number }
type Log = 'all' | 'public'

function readerOf (caller: Caller): string {
  if (caller.role === 'anonymous') return 'public'
  return isStaff(caller) ? 'staff' : `author:${caller.authorId ?? 0}`
}

function logOf (reader: string): Log {
  return reader === 'public' ? 'public' : 'all'
}

function appValue (db: Db, key: string): number {
  return db.select({ value: appState.value }).from(appState).where(eq(appState.key, key)).get()?.value ?? 0
}

function purgedThrough (db: Db, log: Log): number {
  return appValue(db, log === 'public' ? PUBLIC_PURGED_THROUGH : PURGED_THROUGH)
}

function whoMaySee (caller: Caller): SQL | undefined {
  if (isStaff(caller)) return undefined
  const wasOrIsPublic = or(eq(changeEvents.publicBefore, true), eq(changeEvents.publicAfter, true))
  if (caller.role === 'author' && caller.authorId !== null) {
    return or(wasOrIsPublic, and(inArray(changeEvents.resource, ['article', 'comment']), eq(changeEvents.ownerAuthorId, caller.authorId)))
  }
  return wasOrIsPublic
}

const RESYNC = 'resync from the list endpoints: take a cursor with `since=now` first, read the lists, then follow that cursor'

/**
 * `since` null: from the start of the log, while it still holds everything (a 410 once
 * the retention has dropped events: the start would miss items nobody changed since);
 * `now`: no events, only a cursor at the log's present end, to follow after reading the
 * lists. Every statement reads one snapshot: a commit landing between the page's read
 * and the read of where the log ends would otherwise move the cursor past events never
 * returned.
 */
export function listChanges (db: Db, caller: Caller, since: FeedPosition | 'now' | null, limit: number, at: number) {
  return db.transaction(() => readChanges(db, caller, since, limit, at), { behavior: 'deferred' })
}

function readChanges (db: Db, caller: Caller, since: FeedPosition | 'now' | null, limit: number, at: number) {
  const reader = readerOf(caller)
  const log = logOf(reader)
  if (since !== null && since !== 'now' && since.reader !== reader) {
    // A store built for one reader holds items another may not see, or lacks some it may.
    // (And a whole-log position read as a public one would tell an anonymous caller where
    // the hidden writes are.)
    throw new Gone(`This cursor was made for another reader (without an API key, with an editor or admin key, or with another author's key), who sees other changes: ${RESYNC}`)
  }
  const floor = purgedThrough(db, log)
  if (since === 'now') return { data: [], more: false, next: { reader, n: logEnd(db, log, floor) } satisfies FeedPosition }
  if (since === null && floor > 0) {
    throw new Gone(`The change log no longer reaches back to the beginning (it keeps CHANGES_RETENTION_DAYS): ${RESYNC}`)
  }
  if (since !== null && since.n < floor) {
    throw new Gone(`This cursor is older than the change log keeps (CHANGES_RETENTION_DAYS): ${RESYNC}`)
  }
  const after = since?.n ?? floor
  const position = log === 'public' ? changeEvents.publicSeq : changeEvents.seq
  const events = db.select().from(changeEvents)
    .where(and(gt(position, after), log === 'public' ? undefined : whoMaySee(caller)))
    .orderBy(asc(position)).limit(literalLimit(limit + 1)).all()
  const more = events.length > limit
  const page = more ? events.slice(0, limit) : events
  const current = currentItems(db, caller, page, at)
  const placeOf = (e: typeof page[number]) => (log === 'public' ? e.publicSeq : e.seq) as number
  const data: ChangeItem[] = page.map((e) => {
    const item = current.get(`${e.resource}:${e.resourceId}`)
    const change: ChangeItem = { seq: placeOf(e), resource: e.resource, id: e.resourceId, op: item ? 'upsert' : 'delete', at: iso(e.at) }
    if (item) change.data = item
    return change
  })
  // Where to continue: after the last event returned, or where the caller already was
  // (in the whole log, past the events it may not see: staff and author keys only).
  const last = page.length ? placeOf(page[page.length - 1]) : log === 'public' ? after : Math.max(after, logEnd(db, log, after))
  return { data, more, next: { reader, n: last } satisfies FeedPosition }
}

/** The last position in `log`, or `otherwise` when it holds no event. */
function logEnd (db: Db, log: Log, otherwise: number): number {
  const position = log === 'public' ? changeEvents.publicSeq : changeEvents.seq
  return db.select({ n: sql<number | null>`max(${position})` }).from(changeEvents).get()?.n ?? otherwise
}

/** The current representation of each changed item the caller may see. */
function currentItems (db: Db, caller: Caller, events: { resource: string, resourceId: number }[], at: number) {
  const out = new Map<string, Record<string, unknown>>()
  const ids = (resource: string) => [...new Set(events.filter((e) => e.resource === resource).map((e) => e.resourceId))]
  for (const [id, item] of articleListItems(db, caller, ids('article'), at)) out.set(`article:${id}`, item)
  for (const id of ids('author')) {
    const item = getAuthor(db, caller, String(id))
    if (item) out.set(`author:${id}`, item)
  }
  for (const id of ids('category')) {
    const item = getCategory(db, String(id))
    if (item) out.set(`category:${id}`, item)
  }
  for (const id of ids('tag')) {
    const item = getTag(db, String(id))
    if (item) out.set(`tag:${id}`, item)
  }
  const readable: CommentRow[] = []
  for (const id of ids('comment')) {
    const row = findCommentRow(db, id)
    if (!row) continue
    if (isStaff(caller)) {
      out.set(`comment:${id}`, toModeratedComment(row))
    } else if (row.status === 'approved' && articleVisible(db, caller, row.articleId, at)) {
      readable.push(row)
    }
  }
  // Readers' comments together: their parents are looked up once for the page.
  for (const item of toReaderComments(db, readable)) out.set(`comment:${item.id}`, item)
  return out
}

/** Drops change events older than the retention; cursors before them then answer 410. */
export function purgeChanges (db: Db, before: number): number {
  return db.transaction((tx) => {
    const last = tx.select({ seq: sql<number | null>`max(${changeEvents.seq})` }).from(changeEvents).where(lt(changeEvents.at, before)).get()?.seq
    if (last == null) return 0
    const lastPublic = tx.select({ n: sql<number | null>`max(${changeEvents.publicSeq})` }).from(changeEvents).where(lte(changeEvents.seq, last)).get()?.n
    const { changes } = tx.delete(changeEvents).where(sql`${changeEvents.seq} <= ${last}`).run()
    for (const [key, value] of [[PURGED_THROUGH, last], [PUBLIC_PURGED_THROUGH, lastPublic]] as const) {
      if (value == null) continue
      tx.insert(appState).values({ key, value }).onConflictDoUpdate({ target: appState.key, set: { value } }).run()
    }
    return changes
  })
}

