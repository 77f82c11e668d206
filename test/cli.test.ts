/** `npm run --silent cli -- keys create|list|revoke` and `articles repair-links|rerender` against a database file, as an operator would. */
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { beforeNextTransaction, tokenFor } from './helpers.js'
import { insertAuthor, insertCategory, insertTag, postArticle } from './fixtures.js'
import { linkCopiesOutOfStep, rerenderBodies, updateArticle } from '../src/articles/mutations.js'
import { updateTag } from '../src/tags/mutations.js'
import { findArticleRow } from '../src/articles/queries.js'

const root = new URL('..', import.meta.url).pathname
const databasePath = join(mkdtempSync(join(tmpdir(), 'broadsheet-cli-')), 'cli.db')

function cli (...args: string[]) {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root, env: { ...process.env, DATABASE_PATH: databasePath }, encoding: 'utf8'
  })
}

t.test('keys create prints the token alone on the last line; it works; revoke stops it at once', async (t) => {
  const out = cli('keys', 'create', '--role', 'admin', '--name', 'ops')
  const lines = out.trimEnd().split('\n')
  const token = lines[lines.length - 1]
  t.match(token, /^bs_[A-Za-z0-9_-]{43}$/, 'the last line is the token and nothing else')

  const app = await buildApp(testConfig({ databasePath }))
  t.teardown(() => app.close())
  const asAdmin = () => app.inject({ url: '/v1/keys', headers: { authorization: `Bearer ${token}` } })
  t.equal((await asAdmin()).statusCode, 200)

  const listed = cli('keys', 'list')
  t.match(listed, /\tadmin\t-\tbs_/)
  t.notOk(listed.includes(token), 'list never shows tokens')
  const id = listed.trim().split('\n')[0].split('\t')[0]
  t.match(cli('keys', 'revoke', id), new RegExp(`revoked key ${id}`))
  t.equal((await asAdmin()).statusCode, 401)

  t.throws(() => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'keys', 'create', '--role', 'author', '--name', 'x'], {
    cwd: root, env: { ...process.env, DATABASE_PATH: databasePath }, stdio: 'pipe'
  }), 'an author key needs --author')
})

t.test('articles repair-links rewrites the copies that differ from the links, and only those', async (t) => {
  const app = await buildApp(testConfig({ databasePath }))
  t.teardown(() => app.close())
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Repair Writer')
  const [north, south] = ['North', 'South'].map((name) => insertTag(app, name))
  const news = insertCategory(app, 'News')
  const kept = await postArticle(app, editor, { title: 'Kept', authorId: author.id, status: 'published', tagIds: [north.id], categoryIds: [news.id] })
  const drifted = await postArticle(app, editor, { title: 'Drifted', authorId: author.id, status: 'published', tagIds: [north.id] })
  // As an older build would: a link written without the copy.
  app.db.$client.prepare('insert into article_tags (article_id, tag_id, position) values (?, ?, 1)').run(drifted.id, south.id)
  // Anonymous: the response cache, too, follows the CLI's write (plugins/changes.ts).
  const tagsOf = async (id: number) => (await app.inject({ url: `/v1/articles/${id}` })).json().data.tags.map((x: any) => x.slug)
  t.same(await tagsOf(drifted.id), ['north'], 'before: the copy misses the new link')
  t.equal(linkCopiesOutOfStep(app.db), 1, 'the check the tests and the crash test use sees it')
  t.match(cli('articles', 'repair-links'), /repaired the link copies of 1 articles/)
  t.equal(linkCopiesOutOfStep(app.db), 0)
  t.same(await tagsOf(drifted.id), ['north', 'south'], 'after: the embed follows the links')
  t.same(await tagsOf(kept.id), ['north'])
  t.match(cli('articles', 'repair-links'), /of 0 articles/, 'a second run finds nothing to do')
})

t.test('articles rerender: a host taken out of IFRAME_HOSTS loses its iframes in stored bodies; nothing else changes', async (t) => {
  const app = await buildApp(testConfig({ databasePath, iframeHosts: ['www.youtube-nocookie.com'] }))
  t.teardown(() => app.close())
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Embed Writer')
  const video = '<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>'
  const embedded = await postArticle(app, editor, { title: 'With a video', authorId: author.id, status: 'published', body: `Watch:\n\n${video}\n\nThe end.` })
  const plain = await postArticle(app, editor, { title: 'Without one', authorId: author.id, status: 'published', body: '## Plain\n\nText.' })
  // A body from before the nesting limit, stored as an older build would have: it cannot
  // be rendered again, and its old HTML must not keep the iframe either.
  const deep = await postArticle(app, editor, { title: 'Deep', authorId: author.id, status: 'published', body: `Deep ${video}` })
  app.db.$client.prepare('update article_bodies set body = ? where article_id = ?').run('<b>'.repeat(300) + 'x', deep.id)
  const read = async (id: number) => (await app.inject({ url: `/v1/articles/${id}`, headers: { authorization: `Bearer ${editor}` } })).json().data
  t.match((await read(embedded.id)).bodyHtml, '<iframe')
  t.match((await read(deep.id)).bodyHtml, '<iframe')

  const rerender = () => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'articles', 'rerender'], {
    cwd: root, env: { ...process.env, DATABASE_PATH: databasePath, IFRAME_HOSTS: '' }, encoding: 'utf8'
  })
  const first = rerender()
  t.match(first.stdout, /IFRAME_HOSTS: none/, 'it says which hosts it used')
  t.match(first.stdout, /: 1 changed, /)
  t.match(first.stdout, new RegExp(`article ${deep.id}: its body nests elements more than 256 deep, so its HTML is now its plain text`))
  t.equal(first.status, 1, 'an article left for an editor to fix: exit 1')
  const after = await read(embedded.id)
  t.notMatch(after.bodyHtml, '<iframe', 'the iframe is gone')
  t.match(after.bodyHtml, 'The end.')
  t.ok(after.updatedAt > embedded.updatedAt, 'and updatedAt moved on, for caches and sync clients')
  t.equal((await read(deep.id)).bodyHtml, '<p>Deep</p>', 'the refused body\'s HTML is its text, nothing of the old markup')
  t.equal((await read(plain.id)).updatedAt, plain.updatedAt, 'an unchanged body keeps its updatedAt')
  const second = rerender()
  t.match(second.stdout, /: 0 changed, /, 'a second run finds nothing to do')
})

t.test('rerenderBodies: what other writes change between its read and its write is kept, and the article rendered again', async (t) => {
  const app = await buildApp(testConfig({ databasePath: ':memory:', iframeHosts: ['www.youtube-nocookie.com'] }))
  t.teardown(() => app.close())
  const editor = tokenFor(app, 'editor')
  const author = insertAuthor(app, 'Race Writer')
  const video = '<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>'
  const tag = insertTag(app, 'Videos')
  const post = (title: string, body: string, tagIds: number[] = []) => postArticle(app, editor, { title, authorId: author.id, status: 'published', body, tagIds })
  const formatted = await post('Format race', `## Head\n\n${video}`)
  const excerpted = await post('Excerpt race', `## Head\n\n${video}`)
  const retitled = await post('Title race', `Watch ${video}`)
  const tagged = await post('Restamp race', `Watch ${video}`, [tag.id])
  const fixed = await post('Fixed meanwhile', 'shallow')
  app.db.$client.prepare('update article_bodies set body = ? where article_id = ?').run('<b>'.repeat(300) + 'x', fixed.id)
  const editorCaller = { role: 'editor', authorId: null } as never
  const row = (id: number) => findArticleRow(app.db, editorCaller, String(id), Date.now())!
  // The server's writes, committed after the first batch was read and rendered.
  const landed = beforeNextTransaction(app, () => {
    updateArticle(app.db, editorCaller, row(formatted.id), { bodyFormat: 'html' }, { iframeHosts: [] })
    updateArticle(app.db, editorCaller, row(excerpted.id), { excerpt: 'A custom excerpt' }, { iframeHosts: [] })
    updateArticle(app.db, editorCaller, row(retitled.id), { title: 'Title race, retitled' }, { iframeHosts: [] })
    updateTag(app.db, tag.id, { name: 'Films' })
    updateArticle(app.db, editorCaller, row(fixed.id), { body: 'Fixed.' }, { iframeHosts: [] })
  })
  const result = rerenderBodies(app.db, { iframeHosts: [] })
  t.ok(landed(), 'the writes landed between the read and the write')
  t.same(result.refused, [], 'the body fixed meanwhile is not reported')
  t.same(result.skipped, [])
  const read = async (id: number) => (await app.inject({ url: `/v1/articles/${id}`, headers: { authorization: `Bearer ${editor}` } })).json().data
  for (const article of [formatted, excerpted, retitled, tagged]) t.notMatch((await read(article.id)).bodyHtml, '<iframe', `${article.title}: no iframe left`)
  const html = await read(formatted.id)
  t.same([html.bodyFormat, html.bodyHtml], ['html', `## Head\n\n`], 'the format change kept, rendered as HTML without the iframe')
  t.equal((await read(excerpted.id)).excerpt, 'A custom excerpt', 'the custom excerpt kept')
  t.equal((await read(retitled.id)).title, 'Title race, retitled', 'the title kept')
  t.equal((await read(fixed.id)).bodyHtml, '<p>Fixed.</p>\n')
})

t.test('a DATABASE_PATH that is not a database is one line and exit 1, not a stack', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'broadsheet-cli-bad-'))
  const text = join(dir, 'notes.txt')
  writeFileSync(text, 'not a database, but long enough to be read as a header: '.repeat(10))
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'keys', 'list'], { cwd: root, env: { ...process.env, DATABASE_PATH: text }, encoding: 'utf8' })
  t.equal(run.status, 1)
  t.match(run.stderr.trim(), /^broadsheet: cannot open DATABASE_PATH "[^\n]*$/)
})
