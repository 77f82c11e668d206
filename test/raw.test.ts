/**
 * src/db/raw.ts's hand-written inserts: values mapped through the Drizzle columns, and
 * the mistakes a caller can make refused before anything is written.
 */
import t from 'tap'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { insertRows, limitText } from '../src/db/raw.js'
import { tags } from '../src/db/schema.js'
import { build } from './helpers.js'

const app = await build(t)
const count = () => (app.db.$client.prepare('select count(*) n from tags').get() as { n: number }).n

t.test('inserts rows with the values given and the SQL defaults for the columns left out, returning the last id', async (t) => {
  const at = Date.now()
  const last = insertRows(app.db, tags, [
    { slug: 'harbour', name: 'Harbour', searchName: 'harbour', createdAt: at, updatedAt: at },
    { slug: 'ferries', name: 'Ferries', searchName: 'ferries', createdAt: at, updatedAt: at }
  ])
  const rows = app.db.$client.prepare('select id, slug, article_count from tags order by id').all() as any[]
  t.same(rows.map((r) => r.slug), ['harbour', 'ferries'])
  t.equal(last, rows[1].id)
  t.same(rows.map((r) => r.article_count), [0, 0], 'article_count took its default')
})

t.test('refuses an unknown key, an undefined value and a left-out default that Drizzle computes, writing nothing', async (t) => {
  const before = count()
  const at = Date.now()
  t.throws(() => insertRows(app.db, tags, [{ slug: 'x', name: 'X', searchName: 'x', createdAt: at, updatedAt: at, colour: 'red' }]), /no column for colour/)
  t.throws(() => insertRows(app.db, tags, [{ slug: 'x', name: undefined, searchName: 'x', createdAt: at, updatedAt: at }]), /tags\.name: no value/)
  const stamped = sqliteTable('stamped', { id: integer('id').primaryKey(), label: text('label').notNull(), stamp: integer('stamp').notNull().$defaultFn(() => Date.now()) })
  t.throws(() => insertRows(app.db, stamped, [{ label: 'a' }]), /stamped\.stamp: its default is computed by Drizzle/)
  t.equal(count(), before)
})

t.test('a LIMIT is written into the statement only as a non-negative integer', async (t) => {
  t.equal(limitText(21), 'limit 21')
  t.equal(limitText(0), 'limit 0')
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '21; drop table tags' as unknown as number]) {
    t.throws(() => limitText(bad), /non-negative integer/)
  }
})
