/**
 * A deterministic dataset for benchmarks and query-plan tests, written straight into a
 * database file (migrated with the project's own migrations) in seconds, not through
 * HTTP. Bodies are rendered by the real pipeline, but only a pool of them, reused.
 */
import { openDatabase, type Db } from '../src/db/client.js'
import { renderArticleBody } from '../src/lib/content/article-body.js'
import { searchName } from '../src/lib/fold.js'

export interface Sizes { articles: number, authors: number, categories: number, tags: number, commentsPerArticle: number }

export function defaultSizes (articles = 100_000): Sizes {
  const scale = articles / 100_000
  return {
    articles,
    authors: Math.max(10, Math.round(1000 * Math.min(1, scale * 10))),
    categories: 200,
    tags: Math.max(50, Math.round(5000 * Math.min(1, scale * 10))),
    commentsPerArticle: 3
  }
}

/** mulberry32: small, fast, deterministic. */
function prng (seed: number) {
  return () => {
    seed |= 0; seed = seed + 0x6D2B79F5 | 0
    let x = Math.imul(seed ^ seed >>> 15, 1 | seed)
    x = x + Math.imul(x ^ x >>> 7, 61 | x) ^ x
    return ((x ^ x >>> 14) >>> 0) / 4294967296
  }
}

const WORDS = ('harbour council ferry tide market school budget election housing dock shipping festival theatre ' +
  'climate science museum river bridge port town mayor vote rent workers union storm coast fishing trade ' +
  'library hospital railway energy wind solar data survey report history music gallery football season ' +
  'night morning policy plan debate local national review interview analysis opinion water road city').split(' ')

function sentence (rand: () => number, words: number): string {
  const out: string[] = []
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)])
  out[0] = out[0][0].toUpperCase() + out[0].slice(1)
  return out.join(' ') + '.'
}

function markdownBody (rand: () => number): string {
  const parts: string[] = []
  for (let h = 0; h < 4; h++) {
    parts.push(`## ${sentence(rand, 4).slice(0, -1)}`)
    for (let p = 0; p < 3; p++) parts.push(Array.from({ length: 4 }, () => sentence(rand, 12)).join(' '))
  }
  return parts.join('\n\n')
}

/** `onProgress` is called with the number of articles written, every 10,000 articles. */
export function generate (path: string, sizes: Sizes, seed = 42, onProgress?: (articles: number) => void): Db {
  const db = openDatabase(path)
  const sqlite = db.$client
  sqlite.pragma('synchronous = OFF')
  const rand = prng(seed)
  const day = 86_400_000
  const start = Date.UTC(2020, 0, 1)
  const end = Date.UTC(2026, 10, 1)

  const pool = Array.from({ length: 64 }, () => {
    const body = markdownBody(rand)
    const rendered = renderArticleBody(body, 'markdown')
    return { body, ...rendered, tocJson: JSON.stringify(rendered.toc) }
  })

  sqlite.transaction(() => {
    const author = sqlite.prepare('insert into authors (id, slug, name, search_name, email, bio, avatar_url, website, social, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, null, \'{}\', ?, ?)')
    for (let i = 1; i <= sizes.authors; i++) {
      const name = `Author ${i} ${WORDS[i % WORDS.length]}`
      author.run(i, `author-${i}`, name, searchName(name), `author${i}@bench.example`, sentence(rand, 20), `https://img.example/a/${i}.jpg`, start, start)
    }
    // A three-level tree: 8 roots, then children spread evenly under the previous level.
    const category = sqlite.prepare('insert into categories (id, slug, name, search_name, description, parent_id, created_at, updated_at) values (?, ?, ?, ?, null, ?, ?, ?)')
    const roots = Math.min(8, sizes.categories)
    const middle = Math.min(40, sizes.categories - roots)
    for (let i = 1; i <= sizes.categories; i++) {
      const parent = i <= roots ? null : i <= roots + middle ? 1 + ((i - roots - 1) % roots) : roots + 1 + ((i - roots - middle - 1) % middle)
      const name = `Category ${i}`
      category.run(i, `category-${i}`, name, searchName(name), parent, start, start)
    }
    const tag = sqlite.prepare('insert into tags (id, slug, name, search_name, description, created_at, updated_at) values (?, ?, ?, ?, null, ?, ?)')
    for (let i = 1; i <= sizes.tags; i++) {
      const name = `${WORDS[i % WORDS.length]} ${i}`
      tag.run(i, `tag-${i}`, name, searchName(name), start, start)
    }

    const article = sqlite.prepare(`insert into articles (id, slug, title, subtitle, custom_excerpt, excerpt, body_format,
      word_count, reading_time_minutes, featured_image, seo, status, featured, published_at, live_at, author_id, comment_status, comment_count, category_ids, tag_ids, created_at, updated_at)
      values (?, ?, ?, null, null, ?, 'markdown', ?, ?, null, null, 'published', ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`)
    const articleBody = sqlite.prepare('insert into article_bodies (article_id, body, body_html, body_text, toc) values (?, ?, ?, ?, ?)')
    const articleCategory = sqlite.prepare('insert into article_categories (article_id, category_id, position) values (?, ?, ?)')
    const articleTag = sqlite.prepare('insert into article_tags (article_id, tag_id, position) values (?, ?, ?)')
    const comment = sqlite.prepare(`insert into comments (article_id, parent_id, depth, author_name, author_email, author_url, body, body_html, status, created_at, updated_at)
      values (?, null, 1, ?, ?, null, ?, ?, 'approved', ?, ?)`)
    const step = (end - start) / sizes.articles
    const leafStart = Math.min(sizes.categories, roots + middle + 1)
    for (let i = 1; i <= sizes.articles; i++) {
      const body = pool[i % pool.length]
      const published = Math.floor(start + i * step)
      const title = `${sentence(rand, 6).slice(0, -1)} ${i}`
      const authorId = 1 + Math.floor(rand() * sizes.authors)
      const c1 = leafStart + Math.floor(rand() * (sizes.categories - leafStart + 1))
      let c2 = leafStart + Math.floor(rand() * (sizes.categories - leafStart + 1))
      if (c2 === c1) c2 = c1 === sizes.categories ? leafStart : c1 + 1
      const categoryIds = c2 === c1 ? [c1] : [c1, c2]
      const chosen = new Set<number>()
      while (chosen.size < Math.min(5, sizes.tags)) chosen.add(1 + Math.floor(rand() * sizes.tags))
      const tagIds = [...chosen]
      // The row carries a copy of its links (category_ids, tag_ids), as the API writes it.
      article.run(i, `article-${i}`, title, body.excerpt, body.wordCount, body.readingTimeMinutes, i % 50 === 0 ? 1 : 0,
        published, published, authorId, sizes.commentsPerArticle, categoryIds.join(','), tagIds.join(','), published, published + day)
      articleBody.run(i, body.body, body.html, body.text, body.tocJson)
      categoryIds.forEach((id, position) => articleCategory.run(i, id, position))
      tagIds.forEach((id, position) => articleTag.run(i, id, position))
      for (let c = 0; c < sizes.commentsPerArticle; c++) {
        const text = sentence(rand, 15)
        comment.run(i, `Reader ${c}`, `reader${i}-${c}@bench.example`, text, `<p>${text}</p>`, published + (c + 1) * 3600_000, published + (c + 1) * 3600_000)
      }
      if (onProgress && i % 10_000 === 0) onProgress(i)
    }
    sqlite.exec(`
      update authors set article_count = (select count(*) from articles a where a.author_id = authors.id and a.live_at is not null);
      update tags set article_count = (select count(*) from article_tags at where at.tag_id = tags.id);
      update categories set article_count = (select count(*) from article_categories ac where ac.category_id = categories.id);
    `)
  })()
  // No ANALYZE: the server never runs it, so the bench measures the file the server makes.
  // An analyzed file has sqlite_stat4 samples (better-sqlite3 builds SQLite with STAT4),
  // and SQLite then re-prepares every statement whose parameter meets an indexed column
  // (`live_at <= ?`, `tag_id = ?`) each time it is bound: 35–40 µs more per list read.
  sqlite.pragma('synchronous = FULL')
  return db
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] ?? 'bench/results/bench.db'
  const articles = Number(process.argv[3] ?? 100_000)
  const started = performance.now()
  // A progress line every tenth (stderr), so a million-article run shows it is alive.
  const tenth = Math.max(10_000, Math.ceil(articles / 10 / 10_000) * 10_000)
  const progress = (done: number) => {
    if (done % tenth === 0) process.stderr.write(`generate: ${done} of ${articles} articles, ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
  }
  generate(path, defaultSizes(articles), 42, progress).$client.close()
  process.stdout.write(`generated ${articles} articles in ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}
