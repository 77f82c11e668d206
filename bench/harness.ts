/**
 * The processes of a bench run: the build, the server under test, the ceiling, the load
 * generator. Every child is registered here and stopped at the end, on an error, and on
 * Ctrl-C; anything still alive when this process exits is killed.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadJob, LoaderMessage, LoadSummary } from './load.js'
import { freePort, waitForOk } from '../scripts/processes.js'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const ROOT = dirname(BENCH_DIR)
export const RESULTS_DIR = join(BENCH_DIR, 'results')

/** Progress goes to stderr; stdout carries only the result tables. */
export function log (line: string) {
  process.stderr.write(`bench: ${line}\n`)
}

interface Tracked { child: ChildProcess, name: string, group: boolean }
const children = new Set<Tracked>()

export function track (child: ChildProcess, name: string, group = false): Tracked {
  const entry = { child, name, group }
  children.add(entry)
  child.once('exit', () => children.delete(entry))
  return entry
}

function signal (entry: Tracked, sig: NodeJS.Signals) {
  try {
    // A detached child leads its own process group (npm → sh → tsc): signal all of it.
    if (entry.group && entry.child.pid) process.kill(-entry.child.pid, sig)
    else entry.child.kill(sig)
  } catch { /* already gone */ }
}

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** SIGTERM, then SIGKILL for whatever has not exited after `graceMs`. */
export async function stop (entry: Tracked | undefined, graceMs = 10_000): Promise<void> {
  if (!entry || exited(entry.child)) return
  const gone = new Promise<void>((resolve) => entry.child.once('exit', () => resolve()))
  signal(entry, 'SIGTERM')
  const timer = setTimeout(() => signal(entry, 'SIGKILL'), graceMs)
  await gone
  clearTimeout(timer)
}

export async function stopAll (): Promise<void> {
  await Promise.all([...children].map((entry) => stop(entry)))
}

process.on('exit', () => {
  for (const entry of children) signal(entry, 'SIGKILL')
})
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping children`)
    stopAll().finally(() => process.exit(130))
  })
}

/** A process and its descendants (with WORKERS, the primary and its workers), from /proc. */
export function processTree (pid: number): number[] {
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {}
  return [pid, ...children.flatMap(processTree)]
}

/**
 * Resident memory of a process and its descendants from /proc, in MiB: now (VmRSS) and
 * peak (VmHWM), each summed over the processes (pages they share count once per process).
 */
export function memoryOf (pid: number): { rss: number, hwm: number } | null {
  let rss = 0
  let hwm = 0
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8')
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
      rss += kb('VmRSS') / 1024
      hwm += kb('VmHWM') / 1024
    } catch {
      if (member === pid) return null
    }
  }
  return { rss, hwm }
}

/** CPU time (user + system) a process and its descendants have used so far, in ms, from /proc/<pid>/stat. */
export function cpuTimeMs (pid: number): number | null {
  let total = 0
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8')
      // Fields after the command name (which may hold spaces) start at "state"; utime and stime are the 12th and 13th of those.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const CLOCK_TICKS_PER_SECOND = 100 // USER_HZ, 100 on every Linux this runs on
      total += (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND
    } catch {
      if (member === pid) return null
    }
  }
  return total
}

/** Samples a process's VmRSS every `intervalMs` until stopped. */
export function sampleRss (pid: number, intervalMs = 250) {
  const samples: number[] = []
  const take = () => {
    const memory = memoryOf(pid)
    if (memory) samples.push(memory.rss)
  }
  take()
  const timer = setInterval(take, intervalMs)
  return {
    samples,
    stop () {
      clearInterval(timer)
      take()
      return { peak: Math.max(...samples), samples }
    }
  }
}

/**
 * `npm run build`, unless every file of src/ already has a newer output in dist/ (the
 * way make decides). The build is incremental: the TypeScript build info is kept outside
 * dist/ and the repository, and dropped whenever an output is missing, so a build after
 * `rm -rf dist` is a full one. Returns the seconds it took, or null when skipped.
 */
export async function build (): Promise<number | null> {
  const outputs = staleOutputs()
  if (outputs === 'fresh') return null
  const buildInfo = join(ROOT, 'node_modules', '.cache', 'broadsheet-bench', 'build.tsbuildinfo')
  if (outputs === 'missing') rmSync(buildInfo, { force: true })
  const started = performance.now()
  const child = spawn('npm', ['run', '--silent', 'build', '--', '--incremental', '--tsBuildInfoFile', buildInfo], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
    detached: true
  })
  track(child, 'build', true)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (exitCode) => resolve(exitCode))
  })
  if (code !== 0) throw new Error(`npm run build failed (exit ${code})`)
  return (performance.now() - started) / 1000
}

/** 'missing' when a src/ file has no output, 'stale' when one is older than its source. */
function staleOutputs (): 'missing' | 'stale' | 'fresh' {
  const src = join(ROOT, 'src')
  const configs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => statSync(join(ROOT, f)).mtimeMs)
  let state: 'missing' | 'stale' | 'fresh' = 'fresh'
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) { walk(path); continue }
      if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue
      const output = join(ROOT, 'dist', relative(src, path)).replace(/\.ts$/, '.js')
      if (!existsSync(output)) { state = 'missing'; continue }
      const built = statSync(output).mtimeMs
      if (state === 'fresh' && (built < statSync(path).mtimeMs || configs.some((t) => built < t))) state = 'stale'
    }
  }
  walk(src)
  return state
}

export interface Service {
  name: string
  origin: string
  pid: number
  entry: Tracked
  /** Warnings and errors the process logged (pino level 40 and up, or non-JSON stderr). */
  problems: string[]
}

function watchOutput (child: ChildProcess, logFile: WriteStream, problems: string[]) {
  let pending = ''
  const onData = (chunk: Buffer) => {
    logFile.write(chunk)
    pending += chunk.toString('utf8')
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.trim()) continue
      let level = 50
      try { level = (JSON.parse(line) as { level?: number }).level ?? 50 } catch { /* plain text: count it */ }
      if (level >= 40) problems.push(line.length > 400 ? line.slice(0, 400) + '…' : line)
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
}

async function waitReady (service: Service, child: ChildProcess, timeoutMs: number) {
  try {
    await waitForOk(`${service.origin}/health/ready`, {
      timeoutMs,
      alive () {
        if (exited(child)) throw new Error(`exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready: ${service.problems.slice(-3).join(' | ') || 'no output'}`)
      }
    })
  } catch (err) {
    throw new Error(`${service.name}: ${(err as Error).message}`)
  }
}

async function startService (name: string, args: string[], env: Record<string, string>, logPath: string): Promise<Service> {
  const port = await freePort()
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // stdin stays a pipe: the ceiling exits when it closes, i.e. when we are gone.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) }
  })
  const entry = track(child, name)
  const service: Service = { name, origin: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, entry, problems: [] }
  const logFile = createWriteStream(logPath)
  child.once('exit', () => logFile.end())
  watchOutput(child, logFile, service.problems)
  await waitReady(service, child, 120_000)
  return service
}

export interface ServerOptions { databasePath: string, token: string, cacheMb: number, cpuProf: boolean, workers: number, logName: string }

/** The Node flags `npm start` passes (`node FLAGS dist/server.js` in package.json), so the bench runs the server as users do. */
function startFlags (): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start
  const words = start.split(/\s+/)
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/server.js') throw new Error(`package.json start is not "node [flags] dist/server.js": ${start}`)
  return words.slice(1, -1)
}

/** The server under test, built, started as `npm start` starts it. */
export function startServer (options: ServerOptions): Promise<Service> {
  const args = options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(RESULTS_DIR, 'profiles')] : []
  return startService('server', [...startFlags(), ...args, join(ROOT, 'dist', 'server.js')], {
    DATABASE_PATH: options.databasePath,
    DEMO_CONTENT: 'false',
    LOG_LEVEL: 'warn',
    RESPONSE_CACHE_MB: String(options.cacheMb),
    WORKERS: String(options.workers),
    BOOTSTRAP_ADMIN_TOKEN: options.token
  }, join(RESULTS_DIR, `${options.logName}.log`))
}

export function startCeiling (fixturePath: string): Promise<Service> {
  return startService('ceiling', ['--import', 'tsx', join(BENCH_DIR, 'ceiling.ts'), fixturePath], { LOG_LEVEL: 'warn' }, join(RESULTS_DIR, 'ceiling.log'))
}

/** The load generator process; one job at a time. */
export class Loader {
  private child: ChildProcess
  private entry: Tracked
  private jobs = 0

  constructor () {
    this.child = fork(join(BENCH_DIR, 'load.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] })
    this.entry = track(this.child, 'loader')
  }

  /** The load generator's process, to read its CPU time. */
  get pid (): number | undefined {
    return this.child.pid
  }

  run (job: Omit<LoadJob, 'id'>, onPhase?: (phase: 'warmup' | 'measure') => void): Promise<LoadSummary> {
    const id = ++this.jobs
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => { cleanup(); reject(new Error(`the load generator exited (code ${code})`)) }
      const onMessage = (message: LoaderMessage) => {
        if (message.id !== id) return
        if (message.type === 'phase') return onPhase?.(message.phase)
        cleanup()
        if (message.type === 'done') resolve(message.summary)
        else reject(new Error(`load generator: ${message.message}`))
      }
      const cleanup = () => {
        this.child.off('message', onMessage)
        this.child.off('exit', onExit)
      }
      this.child.on('message', onMessage)
      this.child.once('exit', onExit)
      this.child.send({ ...job, id } satisfies LoadJob)
    })
  }

  close (): Promise<void> {
    return stop(this.entry, 2000)
  }
}
