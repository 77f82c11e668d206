/**
 * src/lib/utf8.ts: a response's bytes written through the scratch buffer are exactly
 * `Buffer.from(text)`'s, whatever the characters, and each call's bytes are its own.
 */
import t from 'tap'
import { utf8Bytes } from '../src/lib/utf8.js'

t.test('the same bytes as Buffer.from for every kind of character', async (t) => {
  const samples = {
    empty: '',
    ascii: '{"data":[{"title":"Harbour council"}]}',
    latin1: 'Café, naïve, Ørsted — ü',
    ellipsis: `{"excerpt":"${'word '.repeat(50)}…"}`,
    astral: 'emoji 😀 and 𝄞 clef',
    'lone high surrogate': 'a\uD83Db',
    'lone low surrogate': 'a\uDE00b',
    'high surrogate at the end': 'end\uD83D',
    'a page larger than the first scratch': '“quoted” — '.repeat(40_000),
    'larger than any scratch kept': '…'.repeat(1_500_000)
  }
  for (const [name, text] of Object.entries(samples)) {
    t.ok(utf8Bytes(text).equals(Buffer.from(text, 'utf8')), name)
  }
})

t.test('a later call does not change the bytes an earlier call returned', async (t) => {
  const first = utf8Bytes('first … page')
  const copy = Buffer.from(first)
  utf8Bytes('second, a longer page that overwrites the scratch buffer')
  t.ok(first.equals(copy))
})
