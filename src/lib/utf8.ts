/**
 * A response's UTF-8 bytes. `Buffer.from(text)` walks the string twice: once to count
 * its UTF-8 length, once to write it. For a string with any character above U+00FF (a
 * `…`, a curly quote, an em dash: V8 then holds the whole serialized page two bytes a
 * character) each walk costs ~1.5 ns a character, ~35 µs for a 22 KB list page. Writing
 * into a scratch buffer as large as the longest possible encoding (3 bytes per UTF-16
 * unit) needs one walk, then a copy of the bytes actually written.
 */
const MAX_SCRATCH = 4 * 1024 * 1024

let scratch = Buffer.allocUnsafeSlow(256 * 1024)

export function utf8Bytes (text: string): Buffer {
  const most = text.length * 3
  // Rare, very large bodies: not worth holding a scratch that size between requests.
  if (most > MAX_SCRATCH) return Buffer.from(text, 'utf8')
  if (most > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.min(MAX_SCRATCH, Math.max(most, scratch.length * 2)))
  const written = scratch.write(text, 0, 'utf8')
  const bytes = Buffer.allocUnsafe(written)
  scratch.copy(bytes, 0, 0, written)
  return bytes
}
