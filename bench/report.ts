/**
 * Turning measurements into the Markdown tables (stdout and bench/results/*.md) and the
 * JSON next to them, with the machine they were taken on.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { RESULTS_DIR, ROOT, log } from './harness.js'
import type { LoadSummary } from './load.js'
import type { Scenario } from './scenarios.js'

export interface Machine {
  cpu: string
  cores: number
  availableParallelism: number
  memoryGiB: number
  node: string
  os: string
  date: string
  commit: string
  /** 1-minute load average when the run started and when it ended: others' work skews the figures. */
  loadAverage: { start: number, end: number }
}

/** Taken when the bench starts, before it loads the machine itself. */
export const loadAtStart = loadavg()[0]

function git (...args: string[]): string {
  try { return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch { return '' }
}

export function machine (): Machine {
  const dirty = git('status', '--porcelain', '--', 'src', 'migrations') !== ''
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    date: new Date().toISOString(),
    commit: (git('rev-parse', '--short', 'HEAD') || 'unknown') + (dirty ? ' (src has uncommitted changes)' : ''),
    loadAverage: { start: loadAtStart, end: loadavg()[0] }
  }
}

export function machineLine (m: Machine): string {
  const busy = m.loadAverage.start > m.cores / 2
    ? `\n\n⚠ The machine was busy with other work when the run started (load average ${m.loadAverage.start.toFixed(1)} on ${m.cores} cores): the figures are lower and noisier than on a quiet machine.\n`
    : ''
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, commit ${m.commit}, ${m.date}; ` +
    `load average ${m.loadAverage.start.toFixed(1)} at start, ${m.loadAverage.end.toFixed(1)} at end.${busy}`
}

const int = (n: number) => Math.round(n).toLocaleString('en')
export const ms = (n: number) => n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)
const mb = (n: number) => n.toFixed(0)

export interface Measured {
  scenario: Scenario
  summary: LoadSummary
  sample: string
  peakRssMb: number
  serverProblems: number
  /**
   * The measured process's own CPU time during the measured run: per request (what the
   * work costs, whatever else the machine does) and as a share of one core (below 100%
   * while saturated means it was waiting for a CPU the others held).
   */
  cpu: { msPerRequest: number, share: number } | null
  /**
   * The load generator's CPU time during the measured run as a share of one core. Near
   * 100% (one thread) it, not the process measured, set the rate: the ceilings, usually.
   */
  loaderCpuShare: number | null
}

const CEILING_KEY = { latest: 'ceiling-latest', article: 'ceiling-article', notModified: 'ceiling-304' } as const

export function ratioOf (row: Measured, rows: Measured[]): { ratio: number, label: string } | null {
  const ceiling = row.scenario.ceiling
  if (!ceiling) return null
  const reference = rows.find((r) => r.scenario.key === CEILING_KEY[ceiling.kind])
  if (!reference || reference.summary.rps === 0) return null
  const label = ceiling.exact ? 'same bytes' : `vs ${ceiling.kind === 'latest' ? 'latest-20' : ceiling.kind} ceiling`
  return { ratio: row.summary.rps / reference.summary.rps, label }
}

function statusNote (s: LoadSummary): string {
  const wrong = Object.entries(s.statuses).filter(([status]) => !/^[23]/.test(status)).map(([status, n]) => `${int(n)}×${status}`)
  const failed = s.errors ? [`${int(s.errors)} socket errors${s.timeouts ? ` (${int(s.timeouts)} timeouts)` : ''}`] : []
  const list = [...wrong, ...failed]
  return list.length ? list.join(', ') : '0'
}

export function standardTable (rows: Measured[]): string {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | ÷ ceiling | CPU ms/req | CPU used | load generator CPU | non-2xx/3xx | unexpected status | peak RSS MB | sample |',
    '|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---|'
  ]
  for (const row of rows) {
    const ratio = ratioOf(row, rows)
    const s = row.summary
    const cpu = (row.cpu ? `| ${ms(row.cpu.msPerRequest)} | ${(row.cpu.share * 100).toFixed(0)}% ` : '| ? | ? ') +
      `| ${row.loaderCpuShare === null ? '?' : `${(row.loaderCpuShare * 100).toFixed(0)}%`} `
    lines.push(`| ${row.scenario.name} | ${int(s.rps)} | ${ms(s.latencyMs.p50)} | ${ms(s.latencyMs.p99)} | ${ratio ? `${(ratio.ratio * 100).toFixed(1)}% (${ratio.label})` : '—'} ${cpu}| ${statusNote(s)} | ${int(s.unexpected)} | ${mb(row.peakRssMb)} | ${row.sample} |`)
  }
  return lines.join('\n')
}

export function writeResults (name: string, markdown: string, json: unknown): { md: string, json: string } {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const md = join(RESULTS_DIR, `${name}.md`)
  const jsonPath = join(RESULTS_DIR, `${name}.json`)
  writeFileSync(md, markdown.endsWith('\n') ? markdown : markdown + '\n')
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n')
  log(`wrote ${md} and ${jsonPath}`)
  return { md, json: jsonPath }
}
