/**
 * Relevance for a common word: bm25 ranks the newest RANKED_WINDOW matches the caller
 * may see, older matches follow with rank 0, newest first. Every match is still counted
 * and reachable, by cursor and by page, and `-relevance` is the exact reverse.
 */
import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { insertAuthor, postArticle } from './fixtures.js'
import { RANKED_WINDOW } from '../src/articles/search.js'

const app = await build(t)
const editor = tokenFor(app, 'editor')
const author = insertAuthor(app, 'Keeper')
const OLDER = 12

// The oldest has the word in its title five times: it would rank first, but is outside the window.
const published: number[] = []
for (let i = 0; i < RANKED_WINDOW + OLDER; i++) {
  const title = i === 0 ? 'Lighthouse lighthouse lighthouse lighthouse lighthouse' : `Coast note ${i}`
  const body = i % 7 === 0 ? 'The lighthouse keeper wrote about the lighthouse lamp.' : `A walk past the lighthouse, day ${i}.`
  published.push((await postArticle(app, editor, { title, body, authorId: author.id, status: 'published' })).id)
}
// A draft that matches, newer than everything: it must not take a place in the public window.
const draft = await postArticle(app, editor, { title: 'Lighthouse secret', authorId: author.id })

async function walk (url: string, token?: string) {
  const hits: Array<{ id: number, rank: number }> = []
  let next: string | null = `${url}&perPage=100`
  while (next !== null) {
    const { status, json }: { status: number, json: any } = await call(app, { url: next, token })
    if (status !== 200) throw new Error(`${next}: ${status} ${JSON.stringify(json)}`)
    hits.push(...json.data.map((a: any) => ({ id: a.id, rank: a.search.rank })))
    next = json.meta.nextCursor === null ? null : `${url}&perPage=100&cursor=${json.meta.nextCursor}`
  }
  return hits
}

t.test('the newest matches are ranked, the older follow newest first, all are reachable', async (t) => {
  const first = await call(app, { url: '/v1/articles?q=lighthouse' })
  t.equal(first.json.meta.total, RANKED_WINDOW + OLDER, 'every match is counted')

  const hits = await walk('/v1/articles?q=lighthouse')
  t.same(hits.map((h) => h.id).sort((a, b) => a - b), published, 'every visible match once, no draft')
  const ranked = hits.slice(0, RANKED_WINDOW)
  const older = hits.slice(RANKED_WINDOW)
  t.same(ranked.map((h) => h.id).sort((a, b) => a - b), published.slice(OLDER), 'the window is the newest visible matches')
  t.ok(ranked.every((h, i) => h.rank < 0 && (i === 0 || ranked[i - 1].rank <= h.rank)), 'ranked best first')
  t.same(older, published.slice(0, OLDER).reverse().map((id) => ({ id, rank: 0 })), 'older matches follow, newest first, rank 0')
  t.same(first.json.data.map((a: any) => a.id), hits.slice(0, 20).map((h) => h.id), 'the first page starts the walk')

  const lastPage = await call(app, { url: `/v1/articles?q=lighthouse&perPage=100&page=${Math.ceil(hits.length / 100)}` })
  t.same(lastPage.json.data.map((a: any) => a.id), hits.slice(Math.floor(hits.length / 100) * 100).map((h) => h.id), 'pages agree with the cursor walk')
  const straddling = await call(app, { url: `/v1/articles?q=lighthouse&perPage=7&page=${Math.ceil(RANKED_WINDOW / 7)}` })
  t.same(straddling.json.data.map((a: any) => a.id), hits.slice((Math.ceil(RANKED_WINDOW / 7) - 1) * 7, Math.ceil(RANKED_WINDOW / 7) * 7).map((h) => h.id), 'a page across the window edge')

  const reversed = await walk('/v1/articles?q=lighthouse&sort=-relevance')
  t.same(reversed, [...hits].reverse(), '-relevance is the exact reverse')
})

t.test('staff see the draft ranked among the newest', async (t) => {
  const hits = await walk('/v1/articles?q=lighthouse&status=any', editor)
  t.equal(hits.length, RANKED_WINDOW + OLDER + 1)
  t.ok(hits.slice(0, RANKED_WINDOW).some((h) => h.id === draft.id))
})

t.test('a write re-ranks: a new match joins the window', async (t) => {
  const fresh = await postArticle(app, editor, { title: 'Lighthouse lighthouse lighthouse', body: 'Lighthouse.', authorId: author.id, status: 'published' })
  const { json } = await call(app, { url: '/v1/articles?q=lighthouse&perPage=1' })
  t.equal(json.data[0].id, fresh.id)
  t.ok(json.data[0].search.rank < 0)
  t.equal(json.meta.total, RANKED_WINDOW + OLDER + 1)
})

t.test('the last word is a prefix, spelled out or not', async (t) => {
  const whole = (await call(app, { url: '/v1/articles?q=lighthouse' })).json
  const prefix = (await call(app, { url: '/v1/articles?q=lighth' })).json
  t.equal(prefix.meta.total, whole.meta.total)
  t.same(prefix.data.map((a: any) => a.id), whole.data.map((a: any) => a.id))
  t.match(prefix.data[0].search.snippet, /<mark>Lighthouse<\/mark>/)
  // "note N" and "day N" make many terms that start with a digit: that prefix stays an FTS5 prefix.
  const digits = (await call(app, { url: '/v1/articles?q=coast%20note%201' })).json
  t.ok(digits.meta.total > 100)
  t.ok(digits.data.every((a: any) => /^Coast note 1/.test(a.title)))
  t.equal((await call(app, { url: '/v1/articles?q=lighthouse&sort=title,relevance' })).status, 400, 'relevance only comes first')
  t.equal((await call(app, { url: '/v1/articles?q=lighthouse&sort=title,relevance&author=nobody' })).status, 400, 'whatever the filters')
  // Newest first with a prefix that stays an FTS5 prefix: the same matches as in relevance order.
  const byDate = await walk('/v1/articles?q=coast%20note%201&sort=-publishedAt')
  const byRank = await walk('/v1/articles?q=coast%20note%201')
  t.equal(byDate.length, digits.meta.total)
  t.same(byDate.map((h) => h.id), [...byRank.map((h) => h.id)].sort((a, b) => b - a))
})

t.test('newest first with a common word: the same matches, in publishing order', async (t) => {
  const total = RANKED_WINDOW + OLDER + 1
  const newest = await walk('/v1/articles?q=lighthouse&sort=-publishedAt')
  t.equal(newest.length, total)
  const { json } = await call(app, { url: '/v1/articles?q=lighthouse&sort=-publishedAt&perPage=100' })
  t.equal(json.meta.total, total)
  const oldest = await walk('/v1/articles?q=lighthouse&sort=publishedAt')
  t.same(newest.map((h) => h.id), oldest.map((h) => h.id).reverse(), 'both directions agree')
  t.equal(new Set(newest.map((h) => h.id)).size, total, 'each once')
  t.ok(published.every((id) => newest.some((h) => h.id === id)), 'every published match')
  t.notOk(newest.some((h) => h.id === draft.id), 'no draft')
  t.ok(newest.filter((h) => h.rank === 0).length === OLDER + 1, 'ranks come from the window: 0 beyond it')
})
