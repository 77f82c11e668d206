/**
 * Articles embed author, category and tag summaries, and one article its author's public
 * profile, which the server holds in memory (src/db/summaries.ts). A rename, a new avatar
 * or bio, or a deletion shows in every article at once; a write that fails changes
 * nothing there either.
 */
import t from 'tap'
import { build, call, tokenFor } from './helpers.js'
import { postArticle } from './fixtures.js'
import { summaries } from '../src/db/summaries.js'

const app = await build(t, { responseCacheBytes: 0 })
const editor = tokenFor(app, 'editor')
const admin = tokenFor(app, 'admin')

async function create (url: string, payload: Record<string, unknown>) {
  const { status, json } = await call(app, { method: 'POST', url, token: admin, payload })
  if (status !== 201) throw new Error(`${url}: ${status} ${JSON.stringify(json)}`)
  return json.data
}

const writer = await create('/v1/authors', { name: 'Ann Writer', avatarUrl: 'https://img.example/ann.png' })
const other = await create('/v1/authors', { name: 'Bo Other' })
const section = await create('/v1/categories', { name: 'Harbour' })
const topic = await create('/v1/tags', { name: 'Ferries' })
const spare = await create('/v1/tags', { name: 'Tides' })
const article = await postArticle(app, editor, { title: 'Ferry times change', authorId: writer.id, categoryIds: [section.id], tagIds: [topic.id, spare.id], status: 'published' })

/** The article as a list item and as a whole, after every read path has warmed the summaries. */
async function views () {
  const one = (await call(app, { url: `/v1/articles/${article.id}` })).json.data
  const listed = (await call(app, { url: '/v1/articles' })).json.data.find((a: any) => a.id === article.id)
  return [one, listed]
}

t.test('renames show in every embed at once', async (t) => {
  for (const view of await views()) t.equal(view.tags[0].name, 'Ferries')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/tags/${topic.id}`, token: editor, payload: { name: 'Ferry services', slug: 'ferry-services' } })).status, 200)
  t.equal((await call(app, { method: 'PATCH', url: `/v1/categories/${section.id}`, token: editor, payload: { name: 'Port' } })).status, 200)
  t.equal((await call(app, { method: 'PATCH', url: `/v1/authors/${writer.id}`, token: admin, payload: { name: 'Ann Editor', avatarUrl: null } })).status, 200)
  for (const view of await views()) {
    t.same(view.tags[0], { id: topic.id, slug: 'ferry-services', name: 'Ferry services' })
    t.same(view.categories[0], { id: section.id, slug: section.slug, name: 'Port' })
    t.equal(view.author.name, 'Ann Editor')
    t.equal(view.author.avatarUrl, null)
  }
})

t.test('the author\'s profile on one article shows a new bio, website and social links at once, and never an email', async (t) => {
  const before = (await views())[0].author
  t.equal(before.bio, null)
  const profile = { bio: 'Covers the harbour.', website: 'https://ann.example', social: { mastodon: 'https://mastodon.example/@ann' }, email: 'ann@private.example' }
  t.equal((await call(app, { method: 'PATCH', url: `/v1/authors/${writer.id}`, token: admin, payload: profile })).status, 200)
  const [one] = await views()
  t.same(one.author, { id: writer.id, slug: writer.slug, name: 'Ann Editor', bio: 'Covers the harbour.', avatarUrl: null, website: 'https://ann.example', social: { mastodon: 'https://mastodon.example/@ann' } })
  t.notOk((await call(app, { url: `/v1/articles/${article.id}` })).res.body.includes('ann@private.example'), 'the email is not in the response')
  const held = summaries<Record<string, unknown>>(app.db, 'profiles', [writer.id], () => [])[writer.id]
  t.same(Object.keys(held ?? {}), ['id', 'slug', 'name', 'bio', 'avatarUrl', 'website', 'social'], 'the profile held in memory has no email (the serializer would drop one; the cache must not hold it)')
})

t.test('a failed write leaves the embeds as they were', async (t) => {
  const taken = await call(app, { method: 'PATCH', url: `/v1/tags/${topic.id}`, token: editor, payload: { name: 'Clash', slug: spare.slug } })
  t.equal(taken.status, 409)
  for (const view of await views()) t.equal(view.tags[0].name, 'Ferry services')
})

t.test('deleting a tag or reassigning an author shows at once', async (t) => {
  t.equal((await call(app, { method: 'DELETE', url: `/v1/tags/${spare.id}`, token: editor })).status, 204)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/authors/${writer.id}?reassignTo=${other.id}`, token: admin })).status, 204)
  for (const view of await views()) {
    t.same(view.tags.map((x: any) => x.id), [topic.id])
    t.same({ id: view.author.id, name: view.author.name }, { id: other.id, name: 'Bo Other' })
  }
})

t.test('a full summary cache starts over without losing what the call asked for', async (t) => {
  const db = {}
  const load = (ids: number[]) => ids.map((id): [number, string] => [id, `tag ${id}`])
  summaries(db, 'tags', Array.from({ length: 49_999 }, (_, i) => i + 1), load)
  const found = summaries(db, 'tags', [1, 60_001, 60_002], load)
  t.same([1, 60_001, 60_002].map((id) => found[id]), ['tag 1', 'tag 60001', 'tag 60002'])
  t.equal(found[2], undefined, 'what it held before is gone')
})
