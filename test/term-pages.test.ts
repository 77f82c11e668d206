/**
 * Tag and category pages read one term's links newest first from an index on the links'
 * copy of live_at (migrations/0003), kept in step by triggers; lists embed terms from the
 * articles' copy of their links (migrations/0005). After a random mix of writes through
 * the API, every link agrees with its article and every article with its links, and every tag and
 * category page (newest and oldest first, by page and by cursor) lists exactly the
 * public articles that have the term, in order.
 */
import t, { type Test } from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { linkCopiesOutOfStep } from '../src/articles/mutations.js'

const app = await build(t, { responseCacheBytes: 0 })
const editor = tokenFor(app, 'editor')
const author = insertAuthor(app, 'Term Writer')
const tags = ['North', 'South', 'East', 'West'].map((name) => insertTag(app, name))
const categories = ['News', 'Sport', 'Arts'].map((name) => insertCategory(app, name))
// Ids far beyond the number of articles make every term rare (its articles under 1/50 of
// the archive), so pages are read from the links' index rather than by probing.
app.db.$client.prepare("insert or replace into sqlite_sequence (name, seq) values ('articles', 100000)").run()

// Deterministic pseudo-random choices (mulberry32), so that a failure can be replayed.
let seed = 7
function random (): number {
  seed |= 0; seed = seed + 0x6D2B79F5 | 0
  let x = Math.imul(seed ^ seed >>> 15, 1 | seed)
  x = x + Math.imul(x ^ x >>> 7, 61 | x) ^ x
  return ((x ^ x >>> 14) >>> 0) / 4294967296
}
const pick = <T> (list: T[]): T => list[Math.floor(random() * list.length)]
const some = <T extends { id: number }> (list: T[]): number[] => list.filter(() => random() < 0.4).map((x) => x.id)
const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000).toISOString()

function publication () {
  const roll = random()
  if (roll < 0.5) return { status: 'published', publishedAt: hoursFromNow(-1 - Math.floor(random() * 500)) }
  if (roll < 0.65) return { status: 'scheduled', publishedAt: hoursFromNow(24 + Math.floor(random() * 100)) }
  if (roll < 0.8) return { status: 'archived' }
  return { status: 'draft' }
}

const ids = (json: any) => json.data.map((a: any) => a.id as number)

async function check (t: Test, step: string) {
  const stale = app.db.$client.prepare(`
    select count(*) n from (
      select l.live_at is not a.live_at bad from article_tags l join articles a on a.id = l.article_id
      union all
      select l.live_at is not a.live_at bad from article_categories l join articles a on a.id = l.article_id
    ) where bad`).get() as { n: number }
  t.equal(stale.n, 0, `${step}: every link carries its article's live_at`)
  t.equal(linkCopiesOutOfStep(app.db), 0, `${step}: every article's category_ids and tag_ids copy its links, in order`)
  const all = (await call(app, { url: '/v1/articles?perPage=100' })).json.data
  for (const [kind, terms] of [['tag', tags], ['category', categories]] as const) {
    for (const term of terms) {
      const expected = all.filter((a: any) => (kind === 'tag' ? a.tags : a.categories).some((x: any) => x.id === term.id)).map((a: any) => a.id)
      const newest = await call(app, { url: `/v1/articles?${kind}=${term.slug}&perPage=100` })
      t.same(ids(newest.json), expected, `${step}: ${kind} ${term.slug}, newest first`)
      t.equal(newest.json.meta.total, expected.length)
      const oldest = await call(app, { url: `/v1/articles?${kind}=${term.id}&perPage=100&sort=publishedAt` })
      t.same(ids(oldest.json), [...expected].reverse(), `${step}: ${kind} ${term.slug}, oldest first`)
      const walked: number[] = []
      let url: string | null = `/v1/articles?${kind}=${term.slug}&perPage=2`
      while (url !== null) {
        const page = await call(app, { url })
        walked.push(...ids(page.json))
        url = page.json.links.next
      }
      t.same(walked, expected, `${step}: ${kind} ${term.slug}, by cursor`)
      t.same(ids((await call(app, { url: `/v1/articles?${kind}=${term.slug}&perPage=2&page=2` })).json), expected.slice(2, 4), `${step}: ${kind} ${term.slug}, page 2`)
    }
  }
}

t.test('tag and category pages follow every write', async (t) => {
  const created: number[] = []
  for (let i = 0; i < 16; i++) {
    const article = await postArticle(app, editor, { title: `Term article ${i}`, authorId: author.id, tagIds: some(tags), categoryIds: some(categories), ...publication() })
    created.push(article.id)
  }
  await check(t, 'after creates')
  for (let i = 0; i < 24; i++) {
    const id = pick(created)
    const roll = random()
    const payload = roll < 0.5 ? publication() : roll < 0.75 ? { tagIds: some(tags) } : { categoryIds: some(categories), ...publication() }
    const res = await call(app, { method: 'PATCH', url: `/v1/articles/${id}`, token: editor, payload })
    t.equal(res.status, 200, `PATCH ${JSON.stringify(payload)}`)
  }
  await check(t, 'after updates')
  for (const id of created.slice(0, 4)) t.equal((await call(app, { method: 'DELETE', url: `/v1/articles/${id}`, token: editor })).status, 204)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/tags/${tags[3].id}`, token: editor })).status, 204)
  tags.pop()
  t.equal((await call(app, { method: 'DELETE', url: `/v1/categories/${categories[2].id}`, token: editor })).status, 204)
  categories.pop()
  await check(t, 'after deletes')
})
