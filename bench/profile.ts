/**
 * The top self-time functions of a V8 CPU profile (`node --cpu-prof`), and the same time
 * summed by package, as Markdown tables. `npm run bench -- --cpu-prof` profiles the
 * server and keeps only the samples taken while a scenario was being measured (the
 * profile's clock is the monotonic clock `process.hrtime` reads), so start-up and idle
 * time between scenarios do not count. On its own, over the whole profile:
 * `npx tsx bench/profile.ts FILE.cpuprofile [TOP]`.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { ROOT } from './harness.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  hitCount?: number
}
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

export interface HotFunction { name: string, where: string, selfMs: number, share: number }

/** A span of the monotonic clock, in microseconds (`process.hrtime.bigint() / 1000n`). */
export type Window = [startUs: number, endUs: number]

export function monotonicUs (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/**
 * Which package (or part of Node) a function belongs to. Calls into SQLite show no frame
 * of their own: their time is the self time of the better-sqlite3 or Drizzle function
 * that made them, so those few functions are named after what they wait for.
 */
function areaOf (name: string, at: string): string {
  if (at.startsWith('drizzle-orm/better-sqlite3/session.js') && ['values', 'get', 'all', 'run'].includes(name)) return 'SQLite: running statements'
  if (at.startsWith('better-sqlite3/lib/methods/wrappers.js') && name === 'prepare') return 'SQLite: preparing statements'
  if (at.startsWith('better-sqlite3/lib/methods/transaction.js')) return 'SQLite: begin/commit (fsync)'
  if (at === '(native)') return name.startsWith('(') ? name : 'native (sockets, crypto, …)'
  if (at.startsWith('dist/') || at.startsWith('src/')) return 'broadsheet (dist/)'
  if (at.startsWith('node:')) return 'node core'
  const parts = at.split('/')
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

function where (url: string, line: number): string {
  if (!url) return '(native)'
  const path = url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url
  return `${path.replace(/^node_modules\//, '')}:${line + 1}`
}

export function hotFunctions (path: string, top = 25, windows: Window[] = []): { totalMs: number, idleMs: number, functions: HotFunction[], areas: HotFunction[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const inWindow = (t: number) => windows.length === 0 || windows.some(([start, end]) => t >= start && t <= end)
  // Self time per node: each sample is charged the time delta that follows it.
  const selfUs = new Map<number, number>()
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    if (!inWindow(t)) continue
    const delta = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta)
  }
  const grouped = new Map<string, HotFunction>()
  const areas = new Map<string, HotFunction>()
  let totalUs = 0
  let idleUs = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (!node) continue
    totalUs += us
    const name = node.callFrame.functionName || '(anonymous)'
    if (name === '(idle)') idleUs += us
    const at = where(node.callFrame.url, node.callFrame.lineNumber)
    const key = `${name} ${at}`
    const entry = grouped.get(key) ?? { name, where: at, selfMs: 0, share: 0 }
    entry.selfMs += us / 1000
    grouped.set(key, entry)
    const area = areaOf(name, at)
    const sum = areas.get(area) ?? { name: area, where: '', selfMs: 0, share: 0 }
    sum.selfMs += us / 1000
    areas.set(area, sum)
  }
  const busyMs = (totalUs - idleUs) / 1000
  const ranked = (list: Iterable<HotFunction>, n: number) => [...list]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n)
    .map((f) => ({ ...f, share: busyMs ? f.selfMs / busyMs : 0 }))
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions: ranked(grouped.values(), top), areas: ranked(areas.values(), 12) }
}

export function hotTable (path: string, top = 25, windows: Window[] = []): string {
  const { totalMs, idleMs, functions, areas } = hotFunctions(path, top, windows)
  const scope = windows.length ? `the ${windows.length} measured server scenario(s)` : 'the whole process'
  const lines = [
    `CPU profile ${relative(ROOT, path)}, samples of ${scope}: ${(totalMs / 1000).toFixed(1)} s, of which ${(idleMs / 1000).toFixed(1)} s idle ` +
      '(idle under load means waiting for the CPU or the socket; native time such as SQLite is charged to the JS function that called it).',
    '',
    '| self ms | % of busy | package or activity |',
    '|---:|---:|---|',
    ...areas.map((a) => `| ${a.selfMs.toFixed(0)} | ${(a.share * 100).toFixed(1)} | ${a.name} |`),
    '',
    '| self ms | % of busy | function | where |',
    '|---:|---:|---|---|',
    ...functions.map((f) => `| ${f.selfMs.toFixed(0)} | ${(f.share * 100).toFixed(1)} | \`${f.name}\` | ${f.where} |`)
  ]
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2)
  // A shell glob over a tsx run matches two profiles (tsx's own process and the script's):
  // the second would be read as TOP.
  if (!file || !/^\d+$/.test(top) || process.argv.length > 4) {
    process.stderr.write('usage: npx tsx bench/profile.ts FILE.cpuprofile [TOP]  (one profile; TOP a number)\n')
    process.exit(2)
  }
  process.stdout.write(hotTable(file, Number(top)) + '\n')
}
