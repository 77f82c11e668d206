/**
 * Crash safety. Runs the real server on a database file while concurrent writers create,
 * update and delete articles and post and approve comments, kills it with SIGKILL at
 * random (seeded) moments and restarts it. Afterwards:
 *   - every write answered 2xx is there and intact (the last acknowledged state of each
 *     article, or a later write whose answer was lost in the crash; nothing earlier);
 *   - nothing that failed or went unanswered is half there (an article that exists has
 *     its body, categories, tags and search index entry; a comment its every field);
 *   - derived counts (articleCount, commentCount) agree with what they count;
 *   - after a clean stop, `PRAGMA integrity_check` is ok, no foreign key dangles, and the
 *     FTS indexes pass their integrity checks (the public one holds the published articles).
 * Prints a summary; exits 1 on any failure.
 *
 *   npm run test:crash                       # src/server.ts through tsx
 *   npm run test:crash -- --dist             # the built dist/server.js (npm run build first)
 *   CRASH_SEED=7 CRASH_KILLS=8 npm run test:crash
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { linkCopiesOutOfStep } from '../src/articles/mutations.js'
import * as schema from '../src/db/schema.js'
import { freePort, waitForOk } from './processes.js'

const started = Date.now()
const seed = Number(process.env.CRASH_SEED ?? 42)
const kills = Math.max(5, Number(process.env.CRASH_KILLS ?? 6))
const useDist = process.argv.includes('--dist')
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'broadsheet-crash-'))
const databasePath = join(dir, 'broadsheet.db')
const ADMIN = `crash-admin-${randomBytes(24).toString('hex')}`

const failures: string[] = []
const fail = (message: string) => { if (failures.length < 200) failures.push(message) }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`

/** mulberry32: a small seeded generator, so a failing run can be repeated with CRASH_SEED. */
function generator (state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const random = generator(seed)
const pick = <T>(items: T[], rng = random): T => items[Math.floor(rng() * items.length)]
const subset = <T>(items: T[], max: number, rng = random): T[] => items.filter(() => rng() < max / Math.max(items.length, 1)).slice(0, max)

// ── the server process ───────────────────────────────────────────────────────────────

const port = await freePort()
const base = `http://127.0.0.1:${port}`
let server: ChildProcess | null = null
let serverExit: Promise<[number | null, string | null]> = Promise.resolve([0, null])
let stderrTail = ''

if (useDist && !existsSync(join(root, 'dist/server.js'))) {
  console.error('crash-test: --dist needs a build (npm run build)')
  process.exit(2)
}

function start () {
  const args = useDist ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
  server = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: databasePath,
      DEMO_CONTENT: 'true',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      COMMENT_RATE_LIMIT: '100000'
    },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  server.stderr!.on('data', (chunk) => { stderrTail = (stderrTail + chunk).slice(-4000) })
  serverExit = once(server, 'exit') as Promise<[number | null, string | null]>
}

function ready () {
  return waitForOk(`${base}/health/ready`, {
    intervalMs: 50,
    alive () {
      if (server?.exitCode !== null) throw new Error(`the server exited while starting: ${stderrTail}`)
    }
  })
}

// ── HTTP, remembering what was acknowledged ─────────────────────────────────────────
type Outcome = 'acked' | 'rejected' | 'unknown'
/** `down`: the connection was refused, so the request reached no server and changed nothing. */
interface Answer { outcome: Outcome | 'down', status: number | null, json: any, location: string | null }

async function send (method: string, path: string, body?: unknown, token: string | null = ADMIN): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  let status: number | null = null
  let location: string | null = null
  try {
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15000) })
    status = res.status
    location = res.headers.get('location')
    const text = await res.text()
    const json = text ? JSON.parse(text) : null
    if (status >= 500) fail(`${method} ${path} answered ${status}: ${text.slice(0, 300)}`)
    return { outcome: status < 300 ? 'acked' : status < 500 ? 'rejected' : 'unknown', status, json, location }
  } catch (err) {
    if (status === null && (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return { outcome: 'down', status, json: null, location }
    // No answer (the server died, or the body was cut off): a 2xx status line alone still
    // means the write committed, since the answer is only sent after the commit.
    return { outcome: status !== null && status < 300 ? 'acked' : 'unknown', status, json: null, location }
  }
}

const idFrom = (answer: Answer): number | null => {
  const id = answer.json?.data?.id ?? Number(answer.location?.split('/').pop())
  return Number.isInteger(id) && id > 0 ? id : null
}

// ── what the writers did ─────────────────────────────────────────────────────────────
interface ArticleState { title: string, body: string, status: 'draft' | 'published', categoryIds: number[], tagIds: number[], token: string, headings: number }
interface ArticleOp { kind: 'create' | 'update' | 'delete', state?: ArticleState, outcome: Outcome }
interface TrackedArticle { id: number | null, ops: ArticleOp[], reusedBy?: TrackedArticle }
interface CommentState { authorName: string, authorEmail: string, body: string, articleId: number }
interface TrackedComment { id: number | null, create: CommentState, outcome: Outcome, approvals: Outcome[] }

const articles: TrackedArticle[] = []
// Ids are never reused (AUTOINCREMENT), crash or not: a create that is given the id of an
// earlier, deleted article is a failure (and the earlier one is then checked as deleted).
const byId = new Map<number, TrackedArticle>()
let reusedIds = 0
const comments: TrackedComment[] = []
const counts: Record<string, Record<Outcome, number>> = {}
const count = (kind: string, outcome: Outcome | 'down') => {
  if (outcome === 'down') return
  counts[kind] ??= { acked: 0, rejected: 0, unknown: 0 }
  counts[kind][outcome]++
}

let writing = true
let categoryIds: number[] = []
let tagIds: number[] = []
let authorIds: number[] = []
let commentable: number[] = []
let editorToken = ''

function articleState (writer: number, n: number, rng: () => number): ArticleState {
  // Fixed-width tokens: none is a prefix of another, so a prefix search finds only itself.
  const token = `cw${writer}n${String(n).padStart(5, '0')}q`
  const headings = 1 + Math.floor(rng() * 3)
  const sections = Array.from({ length: headings }, (_, i) => `## Section ${i + 1} ${token}\n\nParagraph ${i + 1} about the harbour, with ${token} in it.`)
  return {
    title: `Crash writer ${writer} number ${n} ${token}`,
    body: sections.join('\n\n'),
    status: rng() < 0.6 ? 'published' : 'draft',
    categoryIds: subset(categoryIds, 2, rng),
    tagIds: subset(tagIds, 3, rng),
    token,
    headings
  }
}

async function articleWriter (writer: number) {
  const rng = generator(seed * 100 + writer)
  const mine: TrackedArticle[] = []
  let n = 0
  while (writing) {
    const live = mine.filter((a) => a.id !== null && !a.ops.some((op) => op.kind === 'delete'))
    const roll = rng()
    let answer: Answer
    if (live.length < 3 || roll < 0.4) {
      const state = articleState(writer, ++n, rng)
      answer = await send('POST', '/v1/articles', { title: state.title, body: state.body, status: state.status, authorId: pick(authorIds, rng), categoryIds: state.categoryIds, tagIds: state.tagIds })
      if (answer.outcome === 'down') { await sleep(50); continue }
      const tracked: TrackedArticle = { id: answer.outcome === 'acked' ? idFrom(answer) : null, ops: [] }
      articles.push(tracked)
      if (tracked.id !== null) {
        const earlier = byId.get(tracked.id)
        if (earlier) {
          earlier.reusedBy = tracked
          reusedIds++
          fail(`article id ${tracked.id} was given again, to "${state.title}"`)
        }
        byId.set(tracked.id, tracked)
      }
      if (answer.outcome === 'acked' && tracked.id === null) fail(`a create was acknowledged without an id (${state.title})`)
      tracked.ops.push({ kind: 'create', state, outcome: answer.outcome })
      if (answer.outcome === 'acked') mine.push(tracked)
      count('article create', answer.outcome)
    } else if (roll < 0.88) {
      const target = pick(live, rng)
      const state = articleState(writer, ++n, rng)
      answer = await send('PATCH', `/v1/articles/${target.id}`, { title: state.title, body: state.body, status: state.status, categoryIds: state.categoryIds, tagIds: state.tagIds })
      if (answer.outcome === 'down') { await sleep(50); continue }
      target.ops.push({ kind: 'update', state, outcome: answer.outcome })
      count('article update', answer.outcome)
    } else {
      const target = pick(live, rng)
      answer = await send('DELETE', `/v1/articles/${target.id}`)
      if (answer.outcome === 'down') { await sleep(50); continue }
      target.ops.push({ kind: 'delete', outcome: answer.outcome })
      count('article delete', answer.outcome)
    }
    if (answer.outcome === 'unknown') await sleep(30)
  }
}

async function commentWriter (writer: number) {
  const rng = generator(seed * 1000 + writer)
  let n = 0
  while (writing) {
    n++
    const create: CommentState = {
      authorName: `Crash reader ${writer}-${n}`,
      authorEmail: `reader${writer}x${n}@crash.example`,
      body: `Crash comment ${writer}x${n}: the ferry was late again.`,
      articleId: pick(commentable, rng)
    }
    const answer = await send('POST', `/v1/articles/${create.articleId}/comments`, { authorName: create.authorName, authorEmail: create.authorEmail, body: create.body }, null)
    if (answer.outcome === 'down') { await sleep(50); continue }
    comments.push({ id: answer.outcome === 'acked' ? idFrom(answer) : null, create, outcome: answer.outcome, approvals: [] })
    count('comment post', answer.outcome)
    if (answer.outcome === 'unknown') await sleep(30)
  }
}

async function moderator () {
  const rng = generator(seed * 10000)
  while (writing) {
    const candidates = comments.filter((c) => c.id !== null && c.approvals.length === 0)
    if (!candidates.length) { await sleep(20); continue }
    const target = pick(candidates, rng)
    const answer = await send('PATCH', `/v1/comments/${target.id}`, { status: 'approved' }, editorToken)
    if (answer.outcome === 'down') { await sleep(50); continue }
    target.approvals.push(answer.outcome)
    count('comment approval', answer.outcome)
    if (answer.outcome === 'unknown') await sleep(30)
    else await sleep(rng() * 40)
  }
}

// ── verification ─────────────────────────────────────────────────────────────────────
async function read (path: string, token: string | null = ADMIN): Promise<any> {
  const answer = await send('GET', path, undefined, token)
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status ?? answer.outcome}`)
  return answer.json
}

/** Every item of a list, following links.next. */
async function all (path: string, token: string | null = ADMIN): Promise<any[]> {
  const items: any[] = []
  let next: string | null = path
  while (next) {
    const page = await read(next, token)
    items.push(...page.data)
    next = page.links.next
  }
  return items
}

const sameIds = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i])

function matches (article: any, state: ArticleState): boolean {
  return article.title === state.title &&
    article.body === state.body &&
    article.status === state.status &&
    sameIds(article.categories.map((c: any) => c.id), state.categoryIds) &&
    sameIds(article.tags.map((t: any) => t.id), state.tagIds)
}

/** An article that exists must be whole: its rendered body and table of contents follow its body. */
function whole (article: any, state: ArticleState): string | null {
  if (!article.bodyHtml.includes(state.token)) return 'bodyHtml does not follow body'
  if (article.toc.length !== state.headings) return `toc has ${article.toc.length} entries for ${state.headings} headings`
  if (article.wordCount < 5) return `wordCount ${article.wordCount}`
  return null
}

async function verifyArticles (): Promise<Map<number, ArticleState>> {
  const present = new Map<number, ArticleState>()
  const listed = await all('/v1/articles?status=any&perPage=100&fields=id,title')
  const byTitle = new Map<string, number[]>()
  for (const a of listed) byTitle.set(a.title, [...(byTitle.get(a.title) ?? []), a.id])

  for (const tracked of articles) {
    const create = tracked.ops[0]
    if (tracked.id === null) {
      // A create without an answer (or refused): absent, or there and exactly as sent, once.
      const found = byTitle.get(create.state!.title) ?? []
      if (create.outcome === 'rejected' && found.length) fail(`a refused create is there: "${create.state!.title}"`)
      if (found.length > 1) fail(`"${create.state!.title}" was created ${found.length} times`)
      if (found.length === 1) {
        const article = (await read(`/v1/articles/${found[0]}`)).data
        if (!matches(article, create.state!)) fail(`unanswered create ${found[0]} is there but not as sent`)
        const problem = whole(article, create.state!)
        if (problem) fail(`unanswered create ${found[0]} is half there: ${problem}`)
        else present.set(found[0], create.state!)
      }
      continue
    }
    if (tracked.reusedBy) {
      // Its id went to a newer article, so it was deleted: that delete must have been sent.
      if (!tracked.ops.some((op) => op.kind === 'delete' && op.outcome !== 'rejected')) fail(`article ${tracked.id} was never deleted, yet a new article got its id`)
      continue
    }
    const lastAcked = tracked.ops.map((op) => op.outcome).lastIndexOf('acked')
    const after = tracked.ops.slice(lastAcked + 1).filter((op) => op.outcome === 'unknown')
    const acked = tracked.ops[lastAcked]
    const candidates = [acked, ...after].filter((op) => op.kind !== 'delete').map((op) => op.state!)
    const mayBeGone = acked.kind === 'delete' || after.some((op) => op.kind === 'delete')
    const answer = await send('GET', `/v1/articles/${tracked.id}`)
    // Another article under this id: an unanswered create was given the id after this one's delete.
    const titles = tracked.ops.filter((op) => op.state).map((op) => op.state!.title)
    if (answer.status === 200 && !titles.includes(answer.json.data.title)) answer.status = 404
    if (answer.status === 404) {
      if (!mayBeGone) fail(`article ${tracked.id} is gone, but its last acknowledged write was a ${acked.kind}`)
      continue
    }
    if (answer.status !== 200) { fail(`GET /v1/articles/${tracked.id} answered ${answer.status}`); continue }
    const article = answer.json.data
    if (acked.kind === 'delete') { fail(`article ${tracked.id} is back after an acknowledged delete`); continue }
    const state = candidates.find((s) => matches(article, s))
    if (!state) {
      fail(`article ${tracked.id} is "${article.title}", not its last acknowledged state "${acked.state!.title}"` + (after.length ? ` or one of ${after.length} unanswered writes after it` : ''))
      continue
    }
    const problem = whole(article, state)
    if (problem) fail(`article ${tracked.id} is half written: ${problem}`)
    present.set(tracked.id, state)
    if ((byTitle.get(state.title) ?? []).length !== 1) fail(`article ${tracked.id}'s title is listed ${(byTitle.get(state.title) ?? []).length} times`)
  }
  return present
}

async function verifySearch (present: Map<number, ArticleState>) {
  // Every token ever written finds exactly the articles whose current body holds it.
  const holder = new Map([...present].map(([id, state]) => [state.token, id]))
  const tokens = articles.flatMap((a) => a.ops.filter((op) => op.state).map((op) => op.state!.token))
  const sample = tokens.length > 400 ? tokens.filter(() => random() < 400 / tokens.length) : tokens
  for (const token of sample) {
    const hits = (await read(`/v1/articles?q=${token}&status=any&fields=id`)).data.map((a: any) => a.id)
    const expected = holder.has(token) ? [holder.get(token)] : []
    if (!sameIds(hits, expected as number[])) fail(`search for ${token} finds [${hits}], expected [${expected}]`)
  }
  return sample.length
}

async function verifyComments () {
  const everything = await all('/v1/comments?perPage=100', editorToken)
  const byBody = new Map<string, any[]>()
  for (const c of everything) byBody.set(c.body, [...(byBody.get(c.body) ?? []), c])
  for (const tracked of comments) {
    const sent = tracked.create
    if (tracked.id !== null) {
      const answer = await send('GET', `/v1/comments/${tracked.id}`, undefined, editorToken)
      if (answer.status !== 200) { fail(`acknowledged comment ${tracked.id} answers ${answer.status}`); continue }
      const c = answer.json.data
      if (c.body !== sent.body || c.authorName !== sent.authorName || c.authorEmail !== sent.authorEmail || c.articleId !== sent.articleId) {
        fail(`comment ${tracked.id} is not what was sent`)
      }
      const allowed = tracked.approvals.includes('acked') ? ['approved'] : tracked.approvals.includes('unknown') ? ['pending', 'approved'] : ['pending']
      if (!allowed.includes(c.status)) fail(`comment ${tracked.id} is ${c.status}, expected ${allowed.join(' or ')}`)
    } else {
      const found = byBody.get(sent.body) ?? []
      if (tracked.outcome === 'rejected' && found.length) fail(`a refused comment is there: "${sent.body}"`)
      if (found.length > 1) fail(`"${sent.body}" was stored ${found.length} times`)
      if (found.length === 1) {
        const c = found[0]
        if (c.authorName !== sent.authorName || c.authorEmail !== sent.authorEmail || c.articleId !== sent.articleId || c.status !== 'pending') {
          fail(`unanswered comment ${c.id} is half there`)
        }
      }
    }
  }
}

/** Stored counts are updated in the same transactions as what they count: a crash cannot split them. */
async function verifyCounts () {
  for (const resource of ['authors', 'tags'] as const) {
    const filter = resource === 'authors' ? 'author' : 'tag'
    for (const item of await all(`/v1/${resource}?perPage=100`, null)) {
      const total = (await read(`/v1/articles?${filter}=${item.id}&perPage=1`, null)).meta.total
      if (item.articleCount !== total) fail(`${resource} ${item.id}: articleCount ${item.articleCount}, but ${total} published articles`)
    }
  }
  const categories = await all('/v1/categories?perPage=100', null)
  for (const category of categories.filter((c) => !categories.some((other) => other.parentId === c.id))) {
    const total = (await read(`/v1/articles?category=${category.id}&perPage=1`, null)).meta.total
    if (category.articleCount !== total) fail(`category ${category.id}: articleCount ${category.articleCount}, but ${total} published articles`)
  }
  for (const article of await all('/v1/articles?status=any&perPage=100&fields=id,commentCount')) {
    const total = (await read(`/v1/articles/${article.id}/comments?perPage=1`)).meta.total
    if (article.commentCount !== total) fail(`article ${article.id}: commentCount ${article.commentCount}, but ${total} approved comments`)
  }
}

function verifyDatabase () {
  const db = new Database(databasePath)
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[]
    if (integrity.length !== 1 || integrity[0].integrity_check !== 'ok') fail(`PRAGMA integrity_check: ${integrity.map((r) => r.integrity_check).join('; ')}`)
    const dangling = db.pragma('foreign_key_check') as unknown[]
    if (dangling.length) fail(`PRAGMA foreign_key_check: ${dangling.length} dangling references`)
    for (const [label, sql] of [
      ['FTS integrity-check', "insert into articles_fts(articles_fts) values('integrity-check')"],
      ['FTS integrity-check against its content', "insert into articles_fts(articles_fts, rank) values('integrity-check', 1)"],
      ['public FTS integrity-check', "insert into articles_public_fts(articles_public_fts) values('integrity-check')"]
    ]) {
      try { db.prepare(sql).run() } catch (err) { fail(`${label}: ${(err as Error).message}`) }
    }
    // Rows one query gives and the other does not, either way.
    const differing = (left: string, right: string) => (db.prepare(`select
      (select count(*) from (${left} except ${right})) + (select count(*) from (${right} except ${left})) as n`).get() as { n: number }).n
    // The public index holds the published articles (a scheduled one joins when published).
    const misplaced = differing('select id from articles_public_fts_docsize', "select id from articles where status = 'published'")
    if (misplaced) fail(`public FTS index: ${misplaced} articles in it that are not published, or published and not in it`)
    // Its integrity-check compares nothing with the text (it is contentless): compare it
    // with an index built afresh from the published articles, totals and terms.
    db.exec(`create virtual table temp.fresh_fts using fts5(title, subtitle, excerpt, body, content = '', tokenize = 'unicode61 remove_diacritics 2');
      insert into temp.fresh_fts(rowid, title, subtitle, excerpt, body)
        select s.id, s.title, s.subtitle, s.excerpt, s.body from article_search_source s join articles a on a.id = s.id where a.status = 'published';
      create virtual table temp.fresh_vocab using fts5vocab(temp, fresh_fts, 'row');`)
    const totals = (table: string) => (db.prepare(`select hex(block) as h from ${table} where id = 1`).get() as { h: string } | undefined)?.h
    if (totals('main.articles_public_fts_data') !== totals('temp.fresh_fts_data')) fail('public FTS index: its totals differ from an index built afresh')
    const terms = differing('select term, doc, cnt from main.articles_public_fts_vocab', 'select term, doc, cnt from temp.fresh_vocab')
    if (terms) fail(`public FTS index: ${terms} terms differ from an index built afresh`)
    // Each article's copy of its links (category_ids, tag_ids) is written with them.
    const unlike = linkCopiesOutOfStep(drizzle(db, { schema }))
    if (unlike) fail(`${unlike} articles whose category_ids or tag_ids differ from their links`)
    return (db.prepare('select count(*) n from articles').get() as { n: number }).n
  } finally {
    db.close()
  }
}

// ── the run ──────────────────────────────────────────────────────────────────────────
async function main () {
  console.log(`crash-test: seed ${seed}, ${kills} kills, ${useDist ? 'dist/server.js' : 'src/server.ts (tsx)'}, database ${databasePath}`)
  start()
  await ready()
  editorToken = (await send('POST', '/v1/keys', { name: 'crash editor', role: 'editor' })).json.data.token
  categoryIds = (await all('/v1/categories?perPage=100')).map((c) => c.id)
  tagIds = (await all('/v1/tags?perPage=100')).map((t) => t.id)
  authorIds = (await all('/v1/authors?perPage=100')).map((a) => a.id)
  commentable = (await all('/v1/articles?perPage=100&fields=id,commentStatus', null)).filter((a) => a.commentStatus === 'open').map((a) => a.id)
  if (!commentable.length || !authorIds.length) throw new Error('the demo content is missing')

  const writers = [1, 2, 3, 4].map(articleWriter).concat([1, 2].map(commentWriter), moderator())
  const crashes: string[] = []
  for (let k = 1; k <= kills; k++) {
    const wait = Math.round(150 + random() * 1350)
    await sleep(wait)
    server!.kill('SIGKILL')
    const [, signal] = await serverExit
    crashes.push(`${wait}ms`)
    if (signal !== 'SIGKILL') fail(`kill ${k}: the server ended by ${signal ?? 'itself'}, not by SIGKILL`)
    start()
    await ready()
    console.log(`  kill ${k}/${kills} after ${wait} ms of writing; restarted (${elapsed()})`)
  }
  await sleep(300)
  writing = false
  await Promise.all(writers)

  const present = await verifyArticles()
  const searched = await verifySearch(present)
  await verifyComments()
  await verifyCounts()
  console.log(`  verified ${articles.length} articles (${present.size} present), ${comments.length} comments, ${searched} search tokens, counts (${elapsed()})`)

  server!.kill('SIGTERM')
  const [code, signal] = await serverExit
  if (code !== 0) fail(`the final SIGTERM stop exited ${code ?? signal}: ${stderrTail.slice(-500)}`)
  const rows = verifyDatabase()

  console.log('\nsummary')
  console.log(`  kills: ${crashes.length} (after ${crashes.join(', ')} of writing)`)
  for (const [kind, c] of Object.entries(counts)) console.log(`  ${kind.padEnd(18)} ${String(c.acked).padStart(5)} acknowledged ${String(c.rejected).padStart(4)} refused (4xx) ${String(c.unknown).padStart(4)} unanswered (cut off by a kill)`)
  console.log(`  ids of deleted articles given to new ones: ${reusedIds}`)
  console.log(`  articles in the database: ${rows}; integrity_check, foreign_key_check, FTS integrity-check, link copies: ${failures.some((f) => /PRAGMA|FTS|category_ids/.test(f)) ? 'FAILED' : 'ok'}`)
  console.log(`  took ${elapsed()}`)
}

try {
  await main()
} catch (err) {
  fail(`the run stopped: ${(err as Error).stack ?? err}`)
} finally {
  writing = false
  const last = server as ChildProcess | null
  if (last && last.exitCode === null && last.signalCode === null) last.kill('SIGKILL')
}

if (failures.length) {
  console.error(`\ncrash-test FAILED (${failures.length} problems; database kept in ${dir}):`)
  for (const f of failures) console.error(`  - ${f}`)
  process.exit(1)
}
rmSync(dir, { recursive: true, force: true })
console.log('crash-test passed')
