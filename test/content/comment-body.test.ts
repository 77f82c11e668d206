import t from 'tap'
import { renderCommentBody } from '../../src/lib/content/comment-body.js'

const REL = 'rel="nofollow ugc noopener"'
const link = (url: string) => `<a href="${url}" ${REL}>${url}</a>`

t.test('html is shown as text', async (t) => {
  t.equal(
    renderCommentBody('<script>alert(1)</script> & <b onmouseover="x">\'hi\'</b>'),
    '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b onmouseover=&quot;x&quot;&gt;&#39;hi&#39;&lt;/b&gt;</p>',
  )
  t.equal(renderCommentBody('&lt; is already an entity'), '<p>&amp;lt; is already an entity</p>')
})

t.test('paragraphs and line breaks', async (t) => {
  t.equal(renderCommentBody('one\ntwo\n\nthree'), '<p>one<br>two</p><p>three</p>')
  t.equal(renderCommentBody('a\r\nb\r\n\r\n\r\nc\rd'), '<p>a<br>b</p><p>c<br>d</p>', 'CRLF and CR normalised')
  t.equal(renderCommentBody('a\n  \t\nb'), '<p>a</p><p>b</p>', 'whitespace-only line is blank')
  t.equal(renderCommentBody('\n\n  padded  \n\n'), '<p>padded</p>')
  t.equal(renderCommentBody(''), '')
  t.equal(renderCommentBody(' \r\n\t'), '')
})

t.test('bare http(s) URLs become nofollow links', async (t) => {
  t.equal(renderCommentBody('see https://example.com'), `<p>see ${link('https://example.com')}</p>`)
  t.equal(renderCommentBody('http://example.com/a?b=1&c=2#x'), `<p>${link('http://example.com/a?b=1&amp;c=2#x')}</p>`)
  t.equal(renderCommentBody('HTTPS://Example.com/Path'), `<p>${link('HTTPS://Example.com/Path')}</p>`)
  t.equal(
    renderCommentBody('one https://a.example/x\ntwo https://b.example/y'),
    `<p>one ${link('https://a.example/x')}<br>two ${link('https://b.example/y')}</p>`,
  )
})

t.test('trailing punctuation is not part of the URL', async (t) => {
  t.equal(renderCommentBody('Go to https://example.com/a.'), `<p>Go to ${link('https://example.com/a')}.</p>`)
  t.equal(renderCommentBody('https://example.com/a, then'), `<p>${link('https://example.com/a')}, then</p>`)
  t.equal(renderCommentBody('(see https://example.com/a)'), `<p>(see ${link('https://example.com/a')})</p>`)
  t.equal(renderCommentBody('https://example.com/a?!'), `<p>${link('https://example.com/a')}?!</p>`)
  t.equal(renderCommentBody('https://example.com/a).'), `<p>${link('https://example.com/a')}).</p>`)
  t.equal(
    renderCommentBody('(https://en.wikipedia.org/wiki/Foo_(bar))'),
    `<p>(${link('https://en.wikipedia.org/wiki/Foo_(bar)')})</p>`,
    'balanced parentheses stay in the URL',
  )
  t.equal(renderCommentBody('https://example.com/)))))'), `<p>${link('https://example.com/')})))))</p>`)
})

t.test('only http(s) is linked', async (t) => {
  for (const text of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'ftp://example.com/file',
    'xhttps://example.com',
    'https://',
    'http://.',
  ]) {
    t.notMatch(renderCommentBody(text), '<a', text)
  }
  t.equal(
    renderCommentBody('javascript:alert(1)//https://example.com'),
    `<p>javascript:alert(1)//${link('https://example.com')}</p>`,
    'a URL embedded after a javascript: prefix is linked on its own',
  )
})

t.test('URLs cannot break out of the href attribute', async (t) => {
  const attempts = [
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
    'https://example.com/"><script>alert(1)</script>',
    'https://example.com/<img/src=x/onerror=alert(1)>',
    'https://example.com/`onmouseover=alert(1)',
    'https://example.com/&quot;onmouseover=&quot;alert(1)',
    'https://example.com/\u0000"x',
  ]
  for (const text of attempts) {
    const html = renderCommentBody(text)
    t.notMatch(html, /<script|<img/i, text)
    // Every tag is one of ours, and every link carries exactly href + rel.
    for (const [tag] of html.matchAll(/<[^>]*>/g)) {
      t.match(tag, /^<(\/?p|br|\/a|a href="[^"<>']*" rel="nofollow ugc noopener")>$/, `${text}: ${tag}`)
    }
  }
  t.equal(
    renderCommentBody('https://example.com/"onmouseover="alert(1)'),
    `<p>${link('https://example.com/')}&quot;onmouseover=&quot;alert(1)</p>`,
  )
  t.equal(
    renderCommentBody('https://example.com/&quot;x'),
    `<p>${link('https://example.com/&amp;quot;x')}</p>`,
    'ampersands in the URL are escaped',
  )
})
