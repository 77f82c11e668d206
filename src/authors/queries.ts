/**
 * Author reads. The email is private: it is selected only for editors and admins, it is
 * never a filter or a search target, and the output mapper adds it for them alone.
 */
import { and, eq, getTableColumns, type SQL } from 'drizzle-orm'
import { nameStartsWith } from '../db/lookups.js'
import { fragment, oneRow, reader } from '../db/raw.js'
import type { Db, Queryable } from '../db/client.js'
import { authors } from '../db/schema.js'
import { pickFields, planList, type ListSpec, type Page } from '../lib/list.js'
import { selectPage } from '../db/pages.js'
import { isStaff, type Caller } from '../lib/caller.js'
import { parseKey } from '../lib/slug.js'
import { iso } from '../lib/time.js'
import { AUTHOR_PUBLIC_FIELDS, AUTHOR_STAFF_FIELDS, authorListNames, type AuthorListQuery } from './schemas.js'

export type AuthorRow = typeof authors.$inferSelect
type ReadRow = Omit<AuthorRow, 'email' | 'searchName'> & { email?: string | null }

function listSpec (staff: boolean): ListSpec {
  return {
    sortable: {
      name: { column: authors.name, key: 'name' },
      createdAt: { column: authors.createdAt, key: 'createdAt' },
      articleCount: { column: authors.articleCount, key: 'articleCount' }
    },
    defaultSort: authorListNames.defaultSort,
    id: { column: authors.id, key: 'id' },
    fields: staff ? AUTHOR_STAFF_FIELDS : AUTHOR_PUBLIC_FIELDS
  }
}

// The public never gets the email column, not even into memory.
const { email, searchName, ...publicColumns } = getTableColumns(authors)
const staffColumns = { ...publicColumns, email }

function columnsFor (staff: boolean) {
  return staff ? staffColumns : publicColumns
}

/** The output mapper: fields in contract order, `email` for editors and admins only. */
export function toAuthor (row: ReadRow, withEmail: boolean): Record<string, unknown> {
  const author: Record<string, unknown> = {
    id: row.id,
    slug: row.slug,
    name: row.name,
    bio: row.bio,
    avatarUrl: row.avatarUrl,
    website: row.website,
    social: row.social ?? {},
    articleCount: row.articleCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt)
  }
  if (withEmail) author.email = row.email ?? null
  return author
}

export interface AuthorList { page: Page<Record<string, unknown>>, items: Record<string, unknown>[] }

export function listAuthors (db: Db, caller: Caller, query: AuthorListQuery): AuthorList {
  const staff = isStaff(caller)
  const plan = planList(listSpec(staff), query)
  const where: SQL[] = []
  if (query.q !== undefined) where.push(nameStartsWith(authors.searchName, query.q))
  const page = selectPage<Record<string, unknown>>(db, authors, plan, and(...where), columnsFor(staff))
  const items = (page.rows as unknown as ReadRow[]).map((row) => pickFields(toAuthor(row, staff), plan.fields))
  return { page, items }
}

/** The whole row behind a route key (id or slug), for writes. */
export function findAuthorRow (db: Queryable, key: string): AuthorRow | undefined {
  const k = parseKey(key)
  return db.select().from(authors).where('id' in k ? eq(authors.id, k.id) : eq(authors.slug, k.slug)).get()
}

// GET /v1/authors/{key} (also after author writes and in the change feed): one
// hand-written statement (src/db/raw.ts).
const publicReader = reader<ReadRow>(publicColumns)
const staffReader = reader<ReadRow>(staffColumns)

/** One author as the caller may see them. */
export function getAuthor (db: Db, caller: Caller, key: string): Record<string, unknown> | undefined {
  const staff = isStaff(caller)
  const k = parseKey(key)
  const { list, read } = staff ? staffReader : publicReader
  const values = oneRow(db, 'id' in k
    ? fragment(`select ${list} from authors where authors.id = ?`, k.id)
    : fragment(`select ${list} from authors where authors.slug = ?`, k.slug))
  return values && toAuthor(read(values), staff)
}

