import { Type, type Static } from 'typebox'
import { AuthorProfileSchema, AuthorSummarySchema, Nullable, Ref, SlugSchema, TermSummarySchema, Timestamp } from '../lib/schemas.js'
import { listQueryProperties, queryObject, type ListNames } from '../lib/list.js'

export const ArticleStatus = Type.Enum(['draft', 'scheduled', 'published', 'archived'], {
  description: '`draft` (default on create) → `scheduled` (needs a future publishedAt; turns published at that time) → `published` → `archived`. `published` with a future `publishedAt` is stored as `scheduled`: it goes live at that time, not before.'
})

export const FeaturedImageSchema = Type.Object({
  url: Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' }),
  alt: Type.String({ maxLength: 500 }),
  caption: Nullable(Type.String({ maxLength: 1000 }))
}, { $id: 'FeaturedImage', title: 'FeaturedImage', additionalProperties: false })

export const SeoSchema = Type.Object({
  title: Nullable(Type.String({ maxLength: 300 })),
  description: Nullable(Type.String({ maxLength: 1000 })),
  canonicalUrl: Nullable(Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' }))
}, { $id: 'Seo', title: 'Seo', additionalProperties: false })

export const TocEntrySchema = Type.Object({
  id: Type.String({ description: 'The heading\'s id in `bodyHtml` (link to `#id`)' }),
  text: Type.String({ description: 'The heading\'s text, plain: escape it before it goes into HTML' }),
  level: Type.Integer({ minimum: 1, maximum: 6 })
}, { $id: 'TocEntry', title: 'TocEntry' })

export const SearchHitSchema = Type.Object({
  rank: Type.Integer({ description: 'Relevance level among the ranked hits, lower is more relevant: -1 for the least relevant, one lower for each more relevant bm25 score (equal scores, equal rank); 0 for a match outside the ranked window (see `q`). Without an API key, hits are ranked among the public articles alone; with one, among every article.' }),
  snippet: Type.String({ description: 'About 24 words of the body text around its densest run of matches, HTML-escaped, with the matches in <mark>; `…` where the body goes on' })
}, { $id: 'SearchHit', title: 'SearchHit' })

const articleProperties = {
  id: Type.Integer(),
  slug: Type.String(),
  title: Type.String({ description: 'Plain text, as are subtitle, excerpt and every other text field but `bodyHtml`: escape it before it goes into HTML' }),
  subtitle: Nullable(Type.String({ description: 'Plain text' })),
  excerpt: Type.String({ description: 'Plain text: the custom excerpt, or about 160 characters of the body\'s text' }),
  body: Type.String({ description: 'The source, in `bodyFormat`' }),
  bodyFormat: Type.Enum(['markdown', 'html']),
  bodyHtml: Type.String({ description: 'Rendered, sanitized HTML; every heading has an id' }),
  toc: Type.Array(Ref(TocEntrySchema)),
  featuredImage: Nullable(Ref(FeaturedImageSchema)),
  status: ArticleStatus,
  featured: Type.Boolean(),
  publishedAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  readingTimeMinutes: Type.Integer(),
  wordCount: Type.Integer(),
  author: Ref(AuthorProfileSchema),
  categories: Type.Array(Ref(TermSummarySchema)),
  tags: Type.Array(Ref(TermSummarySchema)),
  commentStatus: Type.Enum(['open', 'closed']),
  commentCount: Type.Integer({ description: 'Approved comments' }),
  seo: Ref(SeoSchema)
}

export const ArticleSchema = Type.Object(articleProperties, { $id: 'Article', title: 'Article' })

const { id, ...optionalListProperties } = articleProperties
export const ArticleListItemSchema = Type.Object({
  id,
  ...Type.Partial(Type.Object({ ...optionalListProperties, author: Ref(AuthorSummarySchema) })).properties,
  search: Type.Optional(Ref(SearchHitSchema))
}, {
  $id: 'ArticleListItem',
  title: 'ArticleListItem',
  description: 'An article in a list: every field but body, bodyHtml and toc unless `fields` names them; author, categories and tags as summaries. Only the fields named in `fields` (plus id) when it is given. `search` is present on full-text hits.'
})

export const ARTICLE_FIELDS = Object.keys(articleProperties)
export const LIST_DEFAULT_FIELDS = ARTICLE_FIELDS.filter((f) => !['body', 'bodyHtml', 'toc'].includes(f))

const idOrSlugList = (what: string) => Type.String({
  minLength: 1,
  maxLength: 1000,
  pattern: '^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)(,([0-9]+|[a-z0-9]+(-[a-z0-9]+)*))*$',
  description: `${what}: an id or slug, or a comma list of them meaning any`
})

/** Sort keys are resolved per caller in queries.ts; this spec lists the names. */
export const articleListNames: ListNames = {
  sortable: ['publishedAt', 'updatedAt', 'createdAt', 'title', 'commentCount'],
  sortNote: '`title` compares text by character code, so capitals sort before lower case (`Zoo` before `apple`). With `q`, also `relevance` (the default then; `-relevance` puts the least relevant first), as the first field only.',
  defaultSort: '-publishedAt',
  fields: ARTICLE_FIELDS
}


export const ArticleListQuery = queryObject({
  ...listQueryProperties(articleListNames),
  author: idOrSlugList('Author'),
  category: idOrSlugList('Category (its descendants match too)'),
  tag: idOrSlugList('Tag'),
  featured: Type.Boolean(),
  publishedAfter: Type.String({ format: 'date-time', description: 'Published strictly after this time' }),
  publishedBefore: Type.String({ format: 'date-time', description: 'Published strictly before this time' }),
  updatedSince: Type.String({ format: 'date-time', description: 'Updated at or after this time' }),
  q: Type.String({ minLength: 1, maxLength: 1000, description: 'Full-text search over title, subtitle, excerpt and body (accents ignored); every word must match, the last as a prefix. Ordered by relevance (`sort=relevance`, bm25 with the title weighted highest; equal ranks newest first) unless `sort` is given; `relevance` can only be the first sort field. bm25 ranks the 500 most recently added matches the caller may see; when more match, the older ones follow the ranked ones with rank 0, in the order of the rest of the sort (newest first by default), so that the first pages of a common word cost what a rare word\'s do. Every match is counted in `total` and reachable by page or cursor. Ranks move with every write, so a cursor in relevance order is stable only while nothing is written; `sort=-publishedAt` gives a stable walk. Each hit carries `search: {rank, snippet}`.' }),
  status: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^(any|(draft|scheduled|published|archived)(,(draft|scheduled|published|archived))*)$',
    description: 'Editors and admins: a comma list of statuses or `any`. Author keys: what they may see (the published articles, and their own in any status) in those statuses, so `draft` lists their own drafts and `any` all they may see. Default `published`.'
  })
})
export type ArticleListQuery = Static<typeof ArticleListQuery>

const writable = {
  title: Type.String({ minLength: 1, maxLength: 300, pattern: '\\S', description: 'Plain text with at least one character that is not a space' }),
  slug: SlugSchema,
  subtitle: Nullable(Type.String({ maxLength: 500 })),
  excerpt: Nullable(Type.String({ maxLength: 1000, description: 'Derived from the body (about 160 characters) when null or omitted' })),
  body: Type.String({ maxLength: 500_000, description: 'The source, in `bodyFormat`. Raw HTML (also inside Markdown) is sanitized; elements nested more than 256 deep (an element counts until it is closed, as the parser sees it) are a 400' }),
  bodyFormat: Type.Enum(['markdown', 'html'], { default: 'markdown' }),
  featuredImage: Nullable(Ref(FeaturedImageSchema)),
  status: ArticleStatus,
  featured: Type.Boolean(),
  publishedAt: Nullable(Type.String({ format: 'date-time' })),
  authorId: Type.Integer({ minimum: 1, description: 'Required for editors and admins; author keys write as their own author' }),
  categoryIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 20, uniqueItems: true }),
  tagIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 50, uniqueItems: true }),
  commentStatus: Type.Enum(['open', 'closed']),
  seo: Nullable(Type.Object({
    title: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    canonicalUrl: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' })))
  }, { additionalProperties: false, description: 'On update, a field left out keeps its value and `null` clears it; `seo: null` clears them all' }))
}

const { title, bodyFormat, ...optionalWritable } = writable
const optional = Type.Partial(Type.Object(optionalWritable)).properties

export const ArticleCreate = Type.Object({
  title,
  bodyFormat: Type.Optional(bodyFormat),
  ...optional
}, { additionalProperties: false, $id: 'ArticleCreate', title: 'ArticleCreate' })
export type ArticleCreate = Static<typeof ArticleCreate>

// No defaults on update: an absent property means "keep".
export const ArticleUpdate = Type.Object({
  title: Type.Optional(title),
  bodyFormat: Type.Optional(Type.Enum(['markdown', 'html'])),
  ...optional
}, { additionalProperties: false, $id: 'ArticleUpdate', title: 'ArticleUpdate', minProperties: 1 })
export type ArticleUpdate = Static<typeof ArticleUpdate>

export const articleSchemas = [FeaturedImageSchema, SeoSchema, TocEntrySchema, SearchHitSchema, ArticleSchema, ArticleListItemSchema, ArticleCreate, ArticleUpdate]
