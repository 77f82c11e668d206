/**
 * Where a server's CPU goes, by component, from a native profile. V8's `--cpu-prof`
 * charges SQLite, UTF-8 encoding and hashing to whichever JavaScript function called
 * them; `perf` sees them. Each sample goes to the innermost frame of its stack that
 * belongs to a known component (SQLite and row building, fast-json-stringify, a plugin,
 * the app's query modules, Node's HTTP…); a sample whose stack matches none is "other".
 * Shares compare within one profile, so they hold on a busy machine where rates do not.
 *
 *   perf record -F 2000 -e cpu-clock -g -o perf.data node --perf-basic-prof dist/server.js
 *   (drive it with autocannon, stop it with Ctrl-C)
 *   perf script -i perf.data --time 40%-100% > stacks.txt   # leave out start-up
 *   npx tsx bench/perf-share.ts stacks.txt
 */
import { readFileSync } from 'node:fs'

const COMPONENTS: Array<[string, RegExp]> = [
  ['garbage collector', /Scaveng|MarkCompact|Heap::|GCTracer|ConcurrentMarking/],
  ['SQLite and row building', /better_sqlite3\.node|Statement::|sqlite3/],
  ['UTF-8 encoding', /fromStringFast|WriteUtf8|Utf8Length|StringBytes::Write/],
  ['ETag hashing (sha1)', /sha1|crypto\/hash/],
  ['fast-json-stringify', /JS:\S*anonymous\d+ :|fast-json-stringify/],
  ['@fastify/cors', /@fastify\/cors/],
  ['helmet', /helmet/],
  ['@fastify/compress', /@fastify\/compress/],
  ['app: plugins', /dist\/plugins\//],
  ['app: lib', /dist\/lib\//],
  ['app: query modules', /dist\/(articles|authors|tags|categories|comments|changes|keys|webhooks|db)\//],
  ['Fastify', /node_modules\/(fastify|find-my-way|avvio|light-my-request)\//],
  ['Node HTTP, response', /_http_outgoing|_http_server|writev|Writev|streams\/writable|node:net/],
  ['Node HTTP, request parsing', /llhttp|parserOn|_http_common|Parser::/],
  ['kernel', /\[kernel/]
]

const file = process.argv[2]
if (!file) {
  console.error('usage: npx tsx bench/perf-share.ts STACKS   (the output of perf script)')
  process.exit(2)
}

// perf script: a header line per sample, then one indented "address symbol (object)" line
// per frame, innermost first, then a blank line.
const counts = new Map<string, number>()
let samples = 0
let component: string | null | undefined
function endSample () {
  if (component === undefined) return
  samples++
  const name = component ?? 'other'
  counts.set(name, (counts.get(name) ?? 0) + 1)
  component = undefined
}
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line.length === 0) { endSample(); continue }
  if (!/^\s/.test(line)) { endSample(); component = null; continue }
  if (component !== null) continue // already placed
  const frame = line.trim()
  const found = COMPONENTS.find(([, pattern]) => pattern.test(frame))
  if (found) component = found[0]
}
endSample()

console.log(`${samples.toLocaleString('en')} samples`)
for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(`${(100 * count / samples).toFixed(1).padStart(5)}%  ${name}`)
}
