// Comments are untrusted plain text: the only markup we ever emit is <p>, <br>
// and links we build ourselves from bare http(s) URLs.
import { escapeHtml } from './escape.js'

// Quotes, angle brackets, backticks and control characters end a URL: they are
// almost never part of a real link and are common around or inside injection attempts.
// eslint-disable-next-line no-control-regex
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`\u0000-\u001f\u007f]+/gi
const TRAILING_PUNCTUATION = '.,:;!?*_~'
const BRACKET_PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

/**
 * Drops sentence punctuation after a URL, and closing brackets that have no
 * opening partner inside it, so `(see https://x.y/a_(b))` keeps `a_(b)`.
 * Counts are kept incrementally so a run of `)))` stays linear.
 */
function trimUrl(candidate: string): string {
  const counts = new Map<string, number>()
  for (const char of candidate) {
    if ('()[]{}'.includes(char)) {
      counts.set(char, (counts.get(char) ?? 0) + 1)
    }
  }
  let end = candidate.length
  while (end > 0) {
    const char = candidate[end - 1]
    const opener = BRACKET_PAIRS[char]
    const unbalanced = opener !== undefined && (counts.get(char) ?? 0) > (counts.get(opener) ?? 0)
    if (!TRAILING_PUNCTUATION.includes(char) && !unbalanced) break
    if (opener !== undefined) counts.set(char, (counts.get(char) ?? 0) - 1)
    end -= 1
  }
  return candidate.slice(0, end)
}

function renderLink(url: string): string {
  const escaped = escapeHtml(url)
  return `<a href="${escaped}" rel="nofollow ugc noopener">${escaped}</a>`
}

/** Escapes one line of text, turning bare http(s) URLs into links. */
function renderLine(line: string): string {
  let html = ''
  let copiedUpTo = 0
  for (const match of line.matchAll(BARE_URL)) {
    const url = trimUrl(match[0])
    // `https://` alone, or something the URL parser rejects, stays plain text.
    if (!/^https?:\/\/./i.test(url) || !URL.canParse(url)) continue
    html += escapeHtml(line.slice(copiedUpTo, match.index)) + renderLink(url)
    copiedUpTo = match.index + url.length
  }
  return html + escapeHtml(line.slice(copiedUpTo))
}

function renderParagraph(paragraph: string): string {
  return `<p>${paragraph.split('\n').map(renderLine).join('<br>')}</p>`
}

export function renderCommentBody(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n').trim()
  if (normalised === '') return ''
  // A blank line (possibly holding only spaces or tabs) separates paragraphs.
  return normalised.split(/\n[ \t]*\n\s*/).map(renderParagraph).join('')
}
